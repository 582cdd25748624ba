/**
 * The SigV4 signer against AWS's published examples (fixtures/sigv4-vectors.json names the page of
 * each): the S3 header-auth and presigned-URL examples and cases of the generic test suite.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { presignUrl, sha256Hex, signRequest } from "../../src/files/storage/sigv4";

interface Vector {
  name: string;
  credentials: "s3" | "suite";
  scope: { region: string; service: string };
  date: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  payloadHash?: string;
  contentSha256Header?: boolean;
  stringToSignHash?: string;
  expiresIn?: number;
  signature: string;
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/sigv4-vectors.json", import.meta.url), "utf8")) as {
  credentials: Record<string, { accessKeyId: string; secretAccessKey: string }>;
  header: Vector[];
  presigned: Vector[];
};

describe("SigV4 signer", () => {
  for (const vector of fixture.header) {
    it(`signs ${vector.name} as AWS does`, async () => {
      if (vector.body !== undefined) expect(await sha256Hex(vector.body)).toBe(vector.payloadHash);
      const { headers, parts } = await signRequest({
        method: vector.method,
        url: new URL(vector.url),
        headers: vector.headers ?? {},
        payloadHash: vector.payloadHash!,
        credentials: fixture.credentials[vector.credentials]!,
        scope: vector.scope,
        date: new Date(vector.date),
        contentSha256Header: vector.contentSha256Header!,
      });
      if (vector.stringToSignHash) expect(parts.stringToSign.split("\n")[3]).toBe(vector.stringToSignHash);
      expect(parts.signature).toBe(vector.signature);
      expect(headers.authorization).toContain(`Signature=${vector.signature}`);
      expect(headers.authorization).toContain(`Credential=${fixture.credentials[vector.credentials]!.accessKeyId}/`);
    });
  }

  for (const vector of fixture.presigned) {
    it(`presigns ${vector.name} as AWS does`, async () => {
      const { url } = await presignUrl({
        method: vector.method,
        url: new URL(vector.url),
        credentials: fixture.credentials[vector.credentials]!,
        scope: vector.scope,
        expiresIn: vector.expiresIn!,
        date: new Date(vector.date),
      });
      expect(url.searchParams.get("X-Amz-Signature")).toBe(vector.signature);
      expect(url.search).toContain("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request");
    });
  }

  it("refuses an expiry outside 1 s to 7 days", async () => {
    const input = {
      method: "GET",
      url: new URL("https://b.example/k"),
      credentials: fixture.credentials.s3!,
      scope: { region: "us-east-1", service: "s3" },
    };
    await expect(presignUrl({ ...input, expiresIn: 0 })).rejects.toThrow(RangeError);
    await expect(presignUrl({ ...input, expiresIn: 604_801 })).rejects.toThrow(RangeError);
  });
});
