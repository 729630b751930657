import { expect, it } from 'vitest';
import { bearerToken } from './bearer';

it('reads the token of any spelling of the Bearer scheme, and nothing else', () => {
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) expect(bearerToken(`${scheme} cp_abc`)).toBe('cp_abc');
  expect(bearerToken('Bearer   cp_abc  ')).toBe('cp_abc');
  for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic cp_abc', 'Bearercp_abc', 'cp_abc']) expect(bearerToken(header)).toBeNull();
});
