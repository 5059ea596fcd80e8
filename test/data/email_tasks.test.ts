import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeHeader, emailText, htmlToText } from '../../src/data/email.ts';
import { SENTIMENT_FILE } from '../../src/data/sentiment.ts';
import { loadTask } from '../../src/data/tasks.ts';

const msg = (headers: string[], body: string) => `From someone@example.org Thu Aug 22 13:17:22 2002\n${headers.join('\n')}\n\n${body}`;

describe('e-mail text', () => {
  it('keeps the subject, unfolds headers and undoes quoted-printable with the declared charset', () => {
    const raw = msg(['Subject: Cheap', '  offers', 'Content-Type: text/plain; charset="iso-8859-1"', 'Content-Transfer-Encoding: quoted-printable'], 'Caf=E9 na=EFve =3D ok, soft=\nbreak');
    assert.equal(emailText(raw), 'Cheap offers\nCafé naïve = ok, softbreak');
  });

  it('decodes base64 UTF-8 and RFC 2047 subjects', () => {
    const body = Buffer.from('héllo wörld 🙂', 'utf8').toString('base64');
    const raw = msg(['Subject: =?utf-8?B?' + Buffer.from('Grüße', 'utf8').toString('base64') + '?= and =?iso-8859-1?Q?caf=E9_au_lait?=', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], body.replace(/(.{8})/g, '$1\n'));
    assert.equal(emailText(raw), 'Grüße and café au lait\nhéllo wörld 🙂');
    assert.equal(decodeHeader('plain'), 'plain');
  });

  it('walks multiparts: plain text preferred among alternatives, attachments skipped, HTML reduced', () => {
    const raw = msg(
      ['Subject: s', 'Content-Type: multipart/mixed; boundary="OUTER"'],
      [
        'preamble',
        '--OUTER',
        'Content-Type: multipart/alternative; boundary=INNER',
        '',
        '--INNER',
        'Content-Type: text/html',
        '',
        '<p>html version</p>',
        '--INNER',
        'Content-Type: text/plain',
        '',
        'plain version',
        '--INNER--',
        '--OUTER',
        'Content-Type: image/gif',
        'Content-Transfer-Encoding: base64',
        '',
        'R0lGODlhAQABAAAAACw=',
        '--OUTER',
        'Content-Type: text/html; charset=us-ascii',
        '',
        '<html><head><style>p{}</style></head><body><!-- x --><b>Buy</b>&nbsp;now &amp; save&#33; &#x263A;</body></html>',
        '--OUTER--',
        'epilogue',
      ].join('\n'),
    );
    assert.equal(emailText(raw), 's\nplain version\nBuy now & save! ☺');
  });

  it('reduces HTML sent as plain text too', () => {
    assert.equal(emailText(msg(['Subject: x'], '<HTML><BODY>FREE <font color=red>CASH</font></BODY></HTML>')), 'x\nFREE CASH');
    assert.equal(htmlToText('a<br>b'), 'a\nb');
  });
});

describe('spam task', () => {
  const task = loadTask('spam');

  it('has all 6,046 messages, ham and spam as the corpus counts them, in an 80/10/10 split', () => {
    const all = [...task.train, ...task.val, ...task.test];
    assert.equal(all.length, 6046);
    assert.equal(all.filter((e) => e.label === 1).length, 1896);
    assert.deepEqual(task.labels, ['ham', 'spam']);
    assert.ok(task.val.length > 450 && task.val.length < 750 && task.test.length > 450 && task.test.length < 750, `${task.val.length} / ${task.test.length}`);
    assert.ok(all.every((e) => e.text.length > 0 && e.text.split(' ').length <= 80));
  });

  it('cannot leak: no text appears in two splits (duplicate messages share one)', () => {
    const splitOf = new Map<string, string>();
    for (const s of ['train', 'val', 'test'] as const) {
      for (const e of task[s]) {
        const seen = splitOf.get(e.text);
        assert.ok(seen === undefined || seen === s, `a text is in ${seen} and ${s}`);
        splitOf.set(e.text, s);
      }
    }
    // The corpus does hold duplicates, so the check above is not vacuous.
    assert.ok(splitOf.size < 6046);
  });
});

describe('sentiment task', () => {
  const missing = !existsSync(SENTIMENT_FILE);
  it('reads the 4,000 Pang & Lee sentences, half positive, split without leaks', { skip: missing && process.env.CI !== 'true' ? `${SENTIMENT_FILE} is missing (CI installs python3-pattern; elsewhere: apt-get install python3-pattern)` : false }, () => {
    const task = loadTask('sentiment');
    const all = [...task.train, ...task.val, ...task.test];
    assert.equal(all.length, 4000);
    assert.equal(all.filter((e) => e.label === 1).length, 2000);
    assert.deepEqual(task.labels, ['negative', 'positive']);
    assert.ok(task.test.length > 300 && task.val.length > 300);
    assert.ok(all.every((e) => e.text.length > 0 && !e.text.includes('\n') && !e.text.startsWith('\ufeff')));
    const splitOf = new Map<string, string>();
    for (const s of ['train', 'val', 'test'] as const) {
      for (const e of task[s]) {
        assert.equal(splitOf.get(e.text) ?? s, s, 'a sentence is in two splits');
        splitOf.set(e.text, s);
      }
    }
  });

  it('a missing corpus file is one line that says how to install it', () => {
    const saved = process.env.TLTC_SENTIMENT_FILE;
    process.env.TLTC_SENTIMENT_FILE = '/nonexistent/polarity.csv';
    try {
      assert.throws(() => loadTask('sentiment'), /^Error: the sentiment task reads \/nonexistent\/polarity.csv, which is missing: install Debian's python3-pattern/);
    } finally {
      if (saved === undefined) delete process.env.TLTC_SENTIMENT_FILE;
      else process.env.TLTC_SENTIMENT_FILE = saved;
    }
  });
});
