/**
 * A software WebAuthn authenticator for tests: it makes real P-256 credentials with Web Crypto,
 * builds real 'none' attestation objects (CBOR, authenticator data with rpIdHash, flags, counter
 * and a COSE key), and signs real assertions — exactly what a browser would post, so the server
 * verifies them with @simplewebauthn/server unchanged.
 */
import { encodeCbor, type CborValue } from "./cbor";

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
const fromB64url = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(text, "base64url"));
const sha256 = async (bytes: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface StoredCredential {
  id: Uint8Array<ArrayBuffer>;
  rpId: string;
  userHandle: Uint8Array<ArrayBuffer>;
  keys: CryptoKeyPair;
  counter: number;
}

/** Minimal views of the options the server sends (PublicKeyCredential*OptionsJSON). */
export interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string };
  excludeCredentials?: { id: string }[];
}
export interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
}

/** DER-encodes an ECDSA signature that Web Crypto returns as raw r‖s. */
function rawSignatureToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): number[] => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = [...bytes.slice(start)];
    if (trimmed[0]! & 0x80) trimmed.unshift(0);
    return [0x02, trimmed.length, ...trimmed];
  };
  const half = raw.length / 2;
  const body = [...integer(raw.slice(0, half)), ...integer(raw.slice(half))];
  return new Uint8Array([0x30, body.length, ...body]);
}

function counterBytes(counter: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, counter);
  return bytes;
}

export class SoftwareAuthenticator {
  readonly credentials: StoredCredential[] = [];
  /** Whether assertions and attestations report user verification. */
  userVerified = true;

  constructor(readonly origin: string) {}

  private clientData(type: string, challenge: string, origin: string): Uint8Array<ArrayBuffer> {
    return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  private flags(extra = 0): number {
    return FLAG_UP | (this.userVerified ? FLAG_UV : 0) | extra;
  }

  /** navigator.credentials.create(): a new credential and its RegistrationResponseJSON. */
  async create(options: CreationOptions, overrides: { origin?: string; challenge?: string } = {}) {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
    const coseKey = encodeCbor(
      new Map<CborValue, CborValue>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, fromB64url(jwk.x!)],
        [-3, fromB64url(jwk.y!)],
      ]),
    );
    const id = crypto.getRandomValues(new Uint8Array(32));
    const credentialIdLength = new Uint8Array([id.length >> 8, id.length & 0xff]);
    const authData = concat(
      await sha256(new TextEncoder().encode(rpId)),
      new Uint8Array([this.flags(FLAG_AT)]),
      counterBytes(0),
      new Uint8Array(16), // AAGUID: all zero for a 'none' attestation
      credentialIdLength,
      id,
      coseKey,
    );
    const attestationObject = encodeCbor(
      new Map<CborValue, CborValue>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    const clientDataJSON = this.clientData(
      "webauthn.create",
      overrides.challenge ?? options.challenge,
      overrides.origin ?? this.origin,
    );
    const stored: StoredCredential = { id, rpId, userHandle: fromB64url(options.user.id), keys, counter: 0 };
    this.credentials.push(stored);
    return {
      credential: stored,
      response: {
        id: b64url(id),
        rawId: b64url(id),
        type: "public-key" as const,
        clientExtensionResults: {},
        authenticatorAttachment: "platform" as const,
        response: {
          clientDataJSON: b64url(clientDataJSON),
          attestationObject: b64url(attestationObject),
          transports: ["internal"],
        },
      },
    };
  }

  /** navigator.credentials.get(): an assertion (AuthenticationResponseJSON) by a stored credential. */
  async get(
    options: RequestOptions,
    overrides: { credential?: StoredCredential; counter?: number; origin?: string; challenge?: string } = {},
  ) {
    const allowed = options.allowCredentials?.map((entry) => entry.id);
    const credential =
      overrides.credential ??
      this.credentials.find(
        (candidate) =>
          (allowed === undefined || allowed.includes(b64url(candidate.id))) &&
          candidate.rpId === (options.rpId ?? candidate.rpId),
      );
    if (!credential) throw new Error("no matching credential");
    credential.counter = overrides.counter ?? credential.counter + 1;
    const authData = concat(
      await sha256(new TextEncoder().encode(credential.rpId)),
      new Uint8Array([this.flags()]),
      counterBytes(credential.counter),
    );
    const clientDataJSON = this.clientData(
      "webauthn.get",
      overrides.challenge ?? options.challenge,
      overrides.origin ?? this.origin,
    );
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, credential.keys.privateKey, signed),
    );
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key" as const,
      clientExtensionResults: {},
      authenticatorAttachment: "platform" as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(rawSignatureToDer(raw)),
        userHandle: b64url(credential.userHandle),
      },
    };
  }
}
