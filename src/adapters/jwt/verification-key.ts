import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

/** Key material as configured, already read from its file. */
export type VerificationKeyMaterial =
  | { kind: "secret"; secret: string }
  | { kind: "public-key"; pem: string }
  | { kind: "jwks"; jwks: unknown };

/** A key and the only algorithms a token verified with it may name. */
export interface PinnedKey {
  key: KeyObject | JWTVerifyGetKey;
  algorithms: string[];
}

// What a JWKS may sign with: its keys are public keys, so a token that names
// HS256 (signed with the public key as a secret) or "none" never verifies.
const asymmetricAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/** Throws an Error whose message says what is wrong with the material (never the material). */
export function pinnedKey(material: VerificationKeyMaterial): PinnedKey {
  switch (material.kind) {
    case "secret":
      return { key: createSecretKey(Buffer.from(material.secret, "utf8")), algorithms: ["HS256"] };
    case "public-key":
      return publicKey(material.pem);
    case "jwks":
      return { key: createLocalJWKSet(material.jwks as JSONWebKeySet), algorithms: asymmetricAlgorithms };
  }
}

function publicKey(pem: string): PinnedKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error("not a PEM public key");
  }
  return { key, algorithms: algorithmsOf(key) };
}

// The key's type decides the algorithm, never the token's header. Ed25519
// has two names for one signature (RFC 8037's EdDSA and RFC 9864's Ed25519).
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return ["RS256"];
    case "rsa-pss":
      return ["PS256"];
    case "ed25519":
      return ["EdDSA", "Ed25519"];
    case "ec": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const byCurve: Record<string, string> = { prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" };
      const algorithm = curve === undefined ? undefined : byCurve[curve];
      if (algorithm !== undefined) return [algorithm];
      throw new Error(`an EC key on an unsupported curve (${curve ?? "unknown"})`);
    }
    default:
      throw new Error(`an unsupported key type (${key.asymmetricKeyType ?? "unknown"})`);
  }
}
