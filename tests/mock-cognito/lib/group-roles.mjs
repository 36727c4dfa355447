// group-roles.mjs — IAM roles attached to user-pool groups, and the ID-token claims they produce
// (`cognito:roles`, `cognito:preferred_role`), following the CreateGroup `Precedence` rules:
// lower precedence wins, null precedence loses to any number, a tie between different roles sets no
// preferred role. Default: no group has a role, so tokens carry neither claim.

export const ROLE_ARN_RE = /^arn:[\w-]+:iam::\d{12}:role\/\S+$/;
const MAX_PRECEDENCE = 2 ** 31 - 1;

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Validate a group→role mapping `{group: {roleArn, precedence?}}` (a bare ARN string is shorthand for
 * `{roleArn}`; `null` leaves the group without a role). Returns a fresh normalised object; throws Error.
 */
export function normalizeGroupRoles(input) {
  if (!isPlainObject(input)) throw new Error('group roles must be an object {group: {roleArn, precedence}}');
  const out = {};
  for (const [group, v] of Object.entries(input)) {
    if (!group) throw new Error('group names must be non-empty');
    if (v === null) continue;
    const spec = typeof v === 'string' ? { roleArn: v } : v;
    if (!isPlainObject(spec)) throw new Error(`group ${group}: expected {roleArn, precedence}`);
    if (typeof spec.roleArn !== 'string' || !ROLE_ARN_RE.test(spec.roleArn)) {
      throw new Error(`group ${group}: roleArn must look like arn:aws:iam::123456789012:role/name`);
    }
    const precedence = spec.precedence ?? null;
    if (precedence !== null && (!Number.isInteger(precedence) || precedence < 0 || precedence > MAX_PRECEDENCE)) {
      throw new Error(`group ${group}: precedence must be a non-negative integer or null`);
    }
    out[group] = { roleArn: spec.roleArn, precedence };
  }
  return out;
}

/**
 * Role claims for a user in `groups` (in the user's group order). Returns {} when none of the groups has
 * a role; otherwise {roles: [ARNs, by precedence, no duplicates], preferred?: ARN}.
 */
export function groupRoleClaims(groups, groupRoles) {
  const withRoles = [];
  groups.forEach((g, i) => {
    const r = groupRoles && Object.hasOwn(groupRoles, g) ? groupRoles[g] : null;
    if (r) withRoles.push({ ...r, i });
  });
  if (!withRoles.length) return {};
  const rank = (p) => (p === null ? Infinity : p);
  withRoles.sort((a, b) => rank(a.precedence) - rank(b.precedence) || a.i - b.i);
  const roles = [...new Set(withRoles.map((r) => r.roleArn))];
  const best = rank(withRoles[0].precedence);
  const top = new Set(withRoles.filter((r) => rank(r.precedence) === best).map((r) => r.roleArn));
  return top.size === 1 ? { roles, preferred: [...top][0] } : { roles };
}
