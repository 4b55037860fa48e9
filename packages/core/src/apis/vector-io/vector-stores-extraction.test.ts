import { describe, expect, it } from 'vitest';
import { makeTestPdf } from '@cria/testing';
import { decodeText, extractText, IngestionError } from './vector-stores-extraction.js';

describe('text extraction', () => {
  it('reads text, Markdown and CSV as they are', async () => {
    expect(await extractText(Buffer.from('# Title\n\nBody'), 'a.md')).toBe('# Title\n\nBody');
    expect(await extractText(Buffer.from('a,b\n1,2\n'), 'a.csv')).toBe('a,b\n1,2\n');
    expect(await extractText(Buffer.from('no extension, plain text'), 'README')).toBe('no extension, plain text');
  });

  it('renders HTML to text without tags, scripts or styles', async () => {
    const text = await extractText(Buffer.from('<html><head><style>b{}</style><script>alert(1)</script></head><body><h1>Title</h1><p>One <a href="http://x">link</a>.</p></body></html>'), 'page.html');
    expect(text).toContain('One link.');
    expect(text).not.toMatch(/<|alert|http:\/\/x|b\{\}/);
  });

  it('checks JSON and keeps it as written', async () => {
    expect(await extractText(Buffer.from('{"a": [1, 2]}'), 'data.json')).toBe('{"a": [1, 2]}');
    await expect(extractText(Buffer.from('{"a": '), 'data.json')).rejects.toMatchObject({ code: 'invalid_file' });
  });

  it('reads the text layer of a PDF, and refuses a broken one', async () => {
    expect(await extractText(makeTestPdf(['First line', 'Second line']), 'doc.pdf')).toBe('First line\nSecond line');
    const broken = extractText(Buffer.from('%PDF-1.4 not really'), 'doc.pdf');
    await expect(broken).rejects.toBeInstanceOf(IngestionError);
    await expect(broken).rejects.toMatchObject({ code: 'invalid_file' });
  });

  it('refuses binary and office formats as unsupported', async () => {
    await expect(extractText(Buffer.from([0x50, 0x4b, 0x03, 0x04]), 'a.docx')).rejects.toMatchObject({ code: 'unsupported_file' });
    await expect(extractText(Buffer.from([1, 0, 2, 0]), 'blob.bin')).rejects.toMatchObject({ code: 'unsupported_file' });
  });

  it('decodes by byte order mark, then UTF-8, then Windows-1252', () => {
    expect(decodeText(Buffer.from('\ufeffcafé', 'utf8'))).toBe('café');
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('café', 'utf16le')]))).toBe('café');
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
  });
});
