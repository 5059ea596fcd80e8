import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { truecaseOpenings } from '../../src/data/truecase.ts';

describe('chapter openings in capitals', () => {
  it('take each word\'s usual casing inside sentences, lower case when unseen, a capital first letter', () => {
    const texts = ['EN el principio crió Dios', 'Y ACONTECIÓ que Jehová habló', 'Y JEHOVÁ dijo', 'dijo Jehová a Moisés', 'PABLO, siervo', 'escribió Pablo', 'LORD, how are they', 'the LORD is', 'A mí', 'Y el hombre', 'OID esto'];
    assert.deepEqual(truecaseOpenings(texts), ['En el principio crió Dios', 'Y aconteció que Jehová habló', 'Y Jehová dijo', 'dijo Jehová a Moisés', 'Pablo, siervo', 'escribió Pablo', 'LORD, how are they', 'the LORD is', 'A mí', 'Y el hombre', 'Oid esto']);
  });
});
