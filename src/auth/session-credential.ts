import { assumedRoleArn } from "./account.ts";
import { parsePolicy } from "./policy/index.ts";
import type { SessionClaims } from "./session-token.ts";
import type { Credential } from "./types.ts";

/** The credential a session token stands for, with its policy parsed once. */
export function sessionCredential(claims: SessionClaims, token: string): Credential {
  return {
    accessKeyId: claims.accessKeyId,
    secretAccessKey: claims.secretAccessKey,
    sessionToken: token,
    principal: {
      kind: "session",
      name: claims.parentUser,
      accessKeyId: claims.accessKeyId,
      session: {
        parentAccessKeyId: claims.parentAccessKeyId,
        roleArn: claims.roleArn,
        sessionName: claims.sessionName,
        arn: assumedRoleArn(claims.roleArn, claims.sessionName),
        policy: claims.policy === undefined ? undefined : parsePolicy(claims.policy, "session"),
        expiresAt: new Date(claims.expiresAt * 1000),
        ...(claims.federated
          ? {
              federated: {
                provider: claims.federated.provider,
                issuer: claims.federated.issuer,
                subject: claims.federated.subject,
                policies: claims.federated.policies.map((p) => parsePolicy(p, "identity")),
              },
            }
          : {}),
        ...(claims.policies ? { policies: claims.policies } : {}),
        ...(claims.ldapUserDn ? { ldapUserDn: claims.ldapUserDn } : {}),
        ...(claims.roleSession ? { role: true } : {}),
        ...(claims.tags ? { tags: claims.tags } : {}),
      },
    },
  };
}
