import { createHash, timingSafeEqual } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type Principal, Role } from './roles';

// The API's token configuration: which bearer tokens exist, each with a name, a role and the
// client_ids it may see. Only SHA-256 hashes are kept (a file holds nothing but hashes; plain
// tokens given in memory or in FLYWHEEL_API_TOKENS are checked, hashed and dropped at once).

/** Shortest token accepted: 16 characters, e.g. `openssl rand -hex 16` gives 32. */
export const MIN_TOKEN_LENGTH = 16;
/** RFC 6750 b64token: what an `Authorization: Bearer` header can carry. */
export const BEARER_TOKEN_RE = /^[A-Za-z0-9\-._~+/]+=*$/;
const SHA256_RE = /^[0-9a-f]{64}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const sha256Hex = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Why a plain token is refused, or undefined when it is usable. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `is ${token.length} characters long; at least ${MIN_TOKEN_LENGTH} are required (e.g. openssl rand -hex 32)`;
  }
  if (!BEARER_TOKEN_RE.test(token)) {
    return 'has characters a bearer header cannot carry (allowed: A-Z a-z 0-9 - . _ ~ + / and trailing =)';
  }
  return undefined;
}

const ClientIds = z.union([z.literal('*'), z.array(z.string().min(1).max(256)).min(1)]);

const Scope = {
  name: z.string().regex(NAME_RE, 'letters, digits, "_", "." and "-", at most 64').optional(),
  role: Role.default('read-only'),
  client_ids: ClientIds,
};

/** A token entry as written in the token file: the hash, never the token. */
const HashedEntry = z
  .object({ ...Scope, name: Scope.name.unwrap(), sha256: z.string().regex(SHA256_RE, '64 lowercase hex digits') })
  .strict();
/** A token entry given in memory (tests, FLYWHEEL_API_TOKENS): hashed on arrival. */
const PlainEntry = z.object({ ...Scope, token: z.string() }).strict();

export type TokenSpec = z.input<typeof HashedEntry> | z.input<typeof PlainEntry>;

const TokenFile = z
  .object({
    tokens: z.array(
      z.unknown().superRefine((raw, ctx) => {
        if (raw && typeof raw === 'object' && 'token' in raw) {
          ctx.addIssue({
            code: 'custom',
            message:
              'plain tokens are not accepted in the token file: store "sha256: <hex>" (printf %s "$TOKEN" | sha256sum)',
          });
        }
      }),
    ),
  })
  .strict();

export class TokenConfigError extends Error {
  override name = 'TokenConfigError';
}

interface Entry {
  digest: Buffer;
  principal: Principal;
}

/** The accepted tokens at one moment; `match` compares a presented token against every hash in constant time. */
export class TokenSet {
  private constructor(private readonly entries: Entry[]) {}

  get size(): number {
    return this.entries.length;
  }

  get names(): string[] {
    return this.entries.map((e) => e.principal.name);
  }

  match(presented: string): Principal | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: Principal | undefined;
    for (const entry of this.entries) {
      // every entry is compared, so the time taken does not say which one matched
      if (timingSafeEqual(entry.digest, digest)) found ??= entry.principal;
    }
    return found;
  }

  /** Builds a set from specs; throws TokenConfigError naming every bad entry (never its token). */
  static from(specs: readonly TokenSpec[], where = 'token configuration'): TokenSet {
    const problems: string[] = [];
    const entries: Entry[] = [];
    const seen = new Set<string>();
    specs.forEach((spec, i) => {
      const label = `${where}: tokens[${i}]`;
      const plain = PlainEntry.safeParse(spec);
      const hashed = plain.success ? undefined : HashedEntry.safeParse(spec);
      if (!plain.success && !hashed?.success) {
        const issues = (hashed?.error ?? plain.error).issues;
        problems.push(`${label}: ${issues.map((x) => `${x.path.join('.') || 'entry'}: ${x.message}`).join('; ')}`);
        return;
      }
      let hex: string;
      let name: string | undefined;
      let scope: { role: Role; client_ids: '*' | string[] };
      if (plain.success) {
        const problem = tokenProblem(plain.data.token);
        if (problem) {
          problems.push(`${label}${plain.data.name ? ` (${plain.data.name})` : ''}: the token ${problem}`);
          return;
        }
        hex = sha256Hex(plain.data.token);
        name = plain.data.name;
        scope = plain.data;
      } else {
        const data = hashed?.data as z.infer<typeof HashedEntry>;
        hex = data.sha256;
        name = data.name;
        scope = data;
      }
      name ??= `token-${hex.slice(0, 8)}`;
      if (seen.has(name)) problems.push(`${label}: the name "${name}" is used twice`);
      seen.add(name);
      if (entries.some((e) => e.digest.toString('hex') === hex))
        problems.push(`${label}: the same token is listed twice`);
      entries.push({
        digest: Buffer.from(hex, 'hex'),
        principal: {
          name,
          role: scope.role,
          clientIds: scope.client_ids === '*' ? '*' : new Set(scope.client_ids),
        },
      });
    });
    if (problems.length > 0) throw new TokenConfigError(problems.join('\n'));
    if (entries.length === 0) throw new TokenConfigError(`${where}: no tokens`);
    return new TokenSet(entries);
  }

  /** The token file's text (YAML or JSON): `tokens: [{name, sha256, role, client_ids}]`. */
  static parseFile(text: string, where: string): TokenSet {
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (err) {
      throw new TokenConfigError(`${where}: not YAML or JSON (${(err as Error).message.split('\n')[0]})`);
    }
    const file = TokenFile.safeParse(raw);
    if (!file.success) {
      const issues = file.error.issues.map((x) => `${x.path.join('.') || 'file'}: ${x.message}`);
      throw new TokenConfigError(`${where}: ${issues.join('; ')}`);
    }
    return TokenSet.from(file.data.tokens as TokenSpec[], where);
  }
}

/** FLYWHEEL_API_TOKENS="t1,t2": plain tokens, each an admin over every client (the pre-scoping behaviour). */
export function legacyTokenSpecs(value: string | undefined): TokenSpec[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((token) => ({ token, role: 'admin' as const, client_ids: '*' as const }));
}
