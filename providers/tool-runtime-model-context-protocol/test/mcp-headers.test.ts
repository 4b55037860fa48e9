import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '@cria/api';
import { mcpHeadersFor } from '../src/mcp-headers.js';

describe('mcpHeadersFor', () => {
  const url = 'http://127.0.0.1:9000/mcp';

  it('takes the headers keyed by the server\'s URL, matched on host and path as Llama Stack does', () => {
    const providerData = { mcp_headers: { 'https://127.0.0.1:9000/mcp/': { 'X-Key': 'a' }, 'http://127.0.0.1:9000/other': { 'X-Key': 'b' } } };
    expect(mcpHeadersFor(url, providerData, null)).toEqual({ 'X-Key': 'a' });
    expect(mcpHeadersFor(url, null, null)).toEqual({});
  });

  it('reads Llama Stack 0.1\'s "Name: value" lines', () => {
    expect(mcpHeadersFor(url, { mcp_headers: { [url]: ['X-Key: a: b', 'X-Other:c'] } }, null)).toEqual({ 'X-Key': 'a: b', 'X-Other': 'c' });
    expect(() => mcpHeadersFor(url, { mcp_headers: { [url]: ['no colon'] } }, null)).toThrow(InvalidRequestError);
  });

  it('sends a token as a Bearer Authorization header, and refuses a second Authorization', () => {
    expect(mcpHeadersFor(url, null, 'tok')).toEqual({ Authorization: 'Bearer tok' });
    expect(mcpHeadersFor(url, null, 'Bearer tok')).toEqual({ Authorization: 'Bearer tok' });
    expect(() => mcpHeadersFor(url, { mcp_headers: { [url]: { authorization: 'Bearer x' } } }, 'tok')).toThrow(/both given/);
  });

  it('refuses mcp_headers that are not headers', () => {
    expect(() => mcpHeadersFor(url, { mcp_headers: ['x'] }, null)).toThrow(InvalidRequestError);
    expect(() => mcpHeadersFor(url, { mcp_headers: { [url]: { 'X-Key': 1 } } }, null)).toThrow(InvalidRequestError);
  });
});
