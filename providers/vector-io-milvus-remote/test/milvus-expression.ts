/**
 * Milvus' boolean filter expressions (https://milvus.io/docs/boolean.md), the part the stand-in
 * needs: comparisons (`== != > >= < <=`), `in` / `not in` lists, `and` / `or` / `not` (also
 * `&& || !`), parentheses, fields and JSON paths (`field["key"]["key"]`), string (double- or
 * single-quoted), number and boolean literals. A comparison on a missing JSON key, or between
 * values of different JSON types, is false.
 */

type Token = { kind: 'word' | 'string' | 'number' | 'symbol'; text: string; value?: unknown };

type Node =
  | { type: 'and' | 'or'; left: Node; right: Node }
  | { type: 'not'; operand: Node }
  | { type: 'compare'; operator: string; left: Operand; right: Operand }
  | { type: 'in'; negated: boolean; operand: Operand; values: unknown[] };

type Operand = { path: [string, ...string[]] } | { literal: unknown };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|>=|<=|&&|\|\||[><!()[\],-]))/y;
  let position = 0;
  while (position < expression.length) {
    if (/^\s*$/.test(expression.slice(position))) break;
    pattern.lastIndex = position;
    const match = pattern.exec(expression);
    if (!match) throw new Error(`cannot parse expression at ${position}: ${expression.slice(position, position + 20)}`);
    position = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'number', text: match[1], value: Number(match[1]) });
    else if (match[2]) tokens.push({ kind: 'string', text: match[2], value: JSON.parse(match[2]) });
    else if (match[3]) tokens.push({ kind: 'string', text: match[3], value: JSON.parse(`"${match[3].slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) });
    else if (match[4]) tokens.push({ kind: 'word', text: match[4] });
    else tokens.push({ kind: 'symbol', text: match[5]! });
  }
  return tokens;
}

export function parseExpression(expression: string): Node {
  const tokens = tokenize(expression);
  let index = 0;
  const peek = () => tokens[index];
  const isWord = (token: Token | undefined, word: string) => token?.kind === 'word' && token.text.toLowerCase() === word;
  const expect = (text: string) => {
    const token = tokens[index++];
    if (token?.text !== text) throw new Error(`expected ${text} in expression, got ${token?.text ?? 'the end'}`);
  };
  const literal = (): unknown => {
    const token = tokens[index++];
    if (!token) throw new Error('expression ends early');
    if (token.kind === 'number' || token.kind === 'string') return token.value;
    if (token.text === '-' && tokens[index]?.kind === 'number') return -(tokens[index++]!.value as number);
    if (isWord(token, 'true')) return true;
    if (isWord(token, 'false')) return false;
    throw new Error(`unexpected ${token.text} in expression`);
  };
  const operand = (): Operand => {
    const token = peek();
    if (token?.kind === 'word' && !isWord(token, 'true') && !isWord(token, 'false')) {
      index++;
      const path: [string, ...string[]] = [token.text];
      while (peek()?.text === '[') {
        index++;
        const key = tokens[index++];
        if (key?.kind !== 'string') throw new Error('a JSON path key must be a string');
        path.push(key.value as string);
        expect(']');
      }
      return { path };
    }
    return { literal: literal() };
  };
  const primary = (): Node => {
    const token = peek();
    if (isWord(token, 'not') || token?.text === '!') {
      index++;
      return { type: 'not', operand: primary() };
    }
    if (token?.text === '(') {
      index++;
      const inner = or();
      expect(')');
      return inner;
    }
    const left = operand();
    let negated = false;
    if (isWord(peek(), 'not') && isWord(tokens[index + 1], 'in')) {
      negated = true;
      index++;
    }
    if (isWord(peek(), 'in')) {
      index++;
      expect('[');
      const values: unknown[] = [];
      while (peek()?.text !== ']') {
        values.push(literal());
        if (peek()?.text === ',') index++;
      }
      expect(']');
      return { type: 'in', negated, operand: left, values };
    }
    const operator = tokens[index++];
    if (!operator || !['==', '!=', '>', '>=', '<', '<='].includes(operator.text)) throw new Error(`expected a comparison, got ${operator?.text ?? 'the end'}`);
    return { type: 'compare', operator: operator.text, left, right: operand() };
  };
  const and = (): Node => {
    let left = primary();
    while (isWord(peek(), 'and') || peek()?.text === '&&') {
      index++;
      left = { type: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (isWord(peek(), 'or') || peek()?.text === '||') {
      index++;
      left = { type: 'or', left, right: and() };
    }
    return left;
  };
  const root = or();
  if (index !== tokens.length) throw new Error(`unexpected ${tokens[index]!.text} in expression`);
  return root;
}

function resolve(operand: Operand, entity: Record<string, unknown>): unknown {
  if ('literal' in operand) return operand.literal;
  let value: unknown = entity[operand.path[0]];
  for (const key of operand.path.slice(1)) value = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function sameType(a: unknown, b: unknown): boolean {
  return a !== undefined && a !== null && b !== undefined && b !== null && typeof a === typeof b && !Array.isArray(a) && !Array.isArray(b);
}

export function evaluate(node: Node, entity: Record<string, unknown>): boolean {
  switch (node.type) {
    case 'and':
      return evaluate(node.left, entity) && evaluate(node.right, entity);
    case 'or':
      return evaluate(node.left, entity) || evaluate(node.right, entity);
    case 'not':
      return !evaluate(node.operand, entity);
    case 'in': {
      const value = resolve(node.operand, entity);
      if (value === undefined || value === null) return false;
      const found = node.values.some((candidate) => sameType(value, candidate) && value === candidate);
      return node.negated ? !found : found;
    }
    case 'compare': {
      const left = resolve(node.left, entity);
      const right = resolve(node.right, entity);
      if (!sameType(left, right)) return false;
      if (typeof left === 'boolean' && !['==', '!='].includes(node.operator)) return false;
      const [a, b] = [left as number | string, right as number | string];
      switch (node.operator) {
        case '==':
          return a === b;
        case '!=':
          return a !== b;
        case '>':
          return a > b;
        case '>=':
          return a >= b;
        case '<':
          return a < b;
        default:
          return a <= b;
      }
    }
  }
}
