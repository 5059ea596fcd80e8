/**
 * The readable text of a raw RFC-822 e-mail: the subject plus the body with MIME multiparts
 * walked, quoted-printable and base64 undone, charsets decoded and HTML reduced to text.
 * Written here because the mail parsers on npm are asynchronous stream parsers built for
 * servers; a classifier needs only this text, synchronously, for 6,000 messages.
 */

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Splits a message into unfolded headers (lower-case names; the first of repeated ones) and body. */
function parsePart(raw: string): Part {
  const text = raw.replace(/\r\n?/g, '\n');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last) headers.set(last, `${headers.get(last)} ${line.trim()}`);
    else {
      const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
      if (!m) continue; // the mbox "From " line, or noise
      last = m[1].toLowerCase();
      if (!headers.has(last)) headers.set(last, m[2]);
      else last = undefined; // keep the first; ignore continuations of repeats
    }
  }
  return { headers, body };
}

/** A parameter of a structured header value, e.g. boundary or charset. */
function param(value: string | undefined, name: string): string | undefined {
  const m = value ? new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|([^\\s;]+))`, 'i').exec(value) : null;
  return m ? (m[1] ?? m[2]) : undefined;
}

function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes); // an unknown charset label
  }
}

function quotedPrintable(text: string): Uint8Array {
  const joined = text.replace(/=[ \t]*\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? /^[0-9A-Fa-f]{2}$/.exec(joined.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      const code = joined.charCodeAt(i);
      if (code < 0x80) bytes.push(code);
      else bytes.push(...new TextEncoder().encode(joined[i]));
    }
  }
  return Uint8Array.from(bytes);
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const charset = param(part.headers.get('content-type'), 'charset');
  if (encoding.startsWith('quoted-printable')) return decodeBytes(quotedPrintable(part.body), charset);
  if (encoding.startsWith('base64')) return decodeBytes(Buffer.from(part.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset);
  return part.body;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®' };

export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p\s*>|<\/div\s*>|<\/tr\s*>|<\/li\s*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    });
}

/** RFC 2047 encoded words in headers: =?charset?Q?...?= and =?charset?B?...?=. */
export function decodeHeader(value: string): string {
  // Whitespace between two encoded words is not part of the text; next to plain text it is.
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=(?:\s+(?==\?))?/g, (_, charset: string, kind: string, data: string) => {
    const bytes = kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : quotedPrintable(data.replace(/_/g, ' '));
    return decodeBytes(bytes, charset);
  });
}

/** Text of a part: text/plain as is, HTML reduced, multiparts walked (alternative: plain preferred), attachments skipped. */
function partText(part: Part, depth = 0): string {
  const type = (part.headers.get('content-type') ?? 'text/plain').trim().toLowerCase();
  if (type.startsWith('multipart/') && depth < 8) {
    const boundary = param(part.headers.get('content-type'), 'boundary');
    if (!boundary) return part.body;
    const pieces = part.body.split(new RegExp(`^--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*$`, 'm')).slice(1, -1);
    const parts = pieces.map((p) => parsePart(p.replace(/^\n/, '')));
    if (type.startsWith('multipart/alternative')) {
      const plain = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').toLowerCase().startsWith('text/plain'));
      return partText(plain ?? parts[parts.length - 1] ?? { headers: new Map(), body: '' }, depth + 1);
    }
    return parts.map((p) => partText(p, depth + 1)).join('\n');
  }
  if (type.startsWith('text/html')) return htmlToText(decodeBody(part));
  if (type.startsWith('text/') || !part.headers.has('content-type')) {
    const body = decodeBody(part);
    // Much spam sends HTML labelled as plain text (or with no type at all).
    return /<(html|body|table|font|div|p|br)\b[^>]*>/i.test(body) ? htmlToText(body) : body;
  }
  return ''; // images, attachments, signatures
}

/** "subject \n body", whitespace collapsed. */
export function emailText(raw: string): string {
  const top = parsePart(raw);
  const subject = decodeHeader(top.headers.get('subject') ?? '');
  return `${subject}\n${partText(top)}`.replace(/[ \t\u00a0]+/g, ' ').replace(/\s*\n\s*/g, '\n').trim();
}
