/**
 * Names `covara/auth` used to re-export from their real homes. Each is the same value as its
 * home's export, kept one release so existing imports keep working; new code imports the home.
 * `test/package/one-home.test.ts` lists them and fails if one stops being an alias. Below them, the
 * JWT names in their old spelling (the naming rule in ARCHITECTURE.md spells JWT/JWK/JWKS in capitals).
 */
import * as db from "../db";
import { escapeHtml as kernelEscapeHtml } from "../kernel/html";
import { requireUser as kernelRequireUser } from "../kernel/require-user";
import { securityHeaders as kernelSecurityHeaders } from "../kernel/security-headers";

import * as jwks from "./jwt/jwks";
import * as jwtKeys from "./jwt/keys";
import * as jwtSign from "./jwt/sign";
import * as jwtVerify from "./jwt/verify";
import type * as jwtSession from "./strategies/jwt-session";
import type { JwtAlgorithm as KernelJwtAlgorithm } from "../kernel/crypto/algorithms";
/** @deprecated Import `requireUser` from "covara/server" (or "covara"). */
export const requireUser = kernelRequireUser;
/** @deprecated Import `securityHeaders` from "covara/server". */
export const securityHeaders = kernelSecurityHeaders;
/** @deprecated Import `escapeHtml` from "covara/oidc". */
export const escapeHtml = kernelEscapeHtml;
/** @deprecated Import `authSessions` from "covara/db". */
export const authSessions = db.authSessions;
/** @deprecated Import `authAccounts` from "covara/db". */
export const authAccounts = db.authAccounts;
/** @deprecated Import `authApiKeys` from "covara/db". */
export const authApiKeys = db.authApiKeys;
/** @deprecated Import `authVerificationTokens` from "covara/db". */
export const authVerificationTokens = db.authVerificationTokens;
/** @deprecated Import `authSessionsSqlite` from "covara/db". */
export const authSessionsSqlite = db.authSessionsSqlite;
/** @deprecated Import `authAccountsSqlite` from "covara/db". */
export const authAccountsSqlite = db.authAccountsSqlite;
/** @deprecated Import `authApiKeysSqlite` from "covara/db". */
export const authApiKeysSqlite = db.authApiKeysSqlite;
/** @deprecated Import `authVerificationTokensSqlite` from "covara/db". */
export const authVerificationTokensSqlite = db.authVerificationTokensSqlite;
/** @deprecated Import `authSessionsPg` from "covara/db". */
export const authSessionsPg = db.authSessionsPg;
/** @deprecated Import `authAccountsPg` from "covara/db". */
export const authAccountsPg = db.authAccountsPg;
/** @deprecated Import `authApiKeysPg` from "covara/db". */
export const authApiKeysPg = db.authApiKeysPg;
/** @deprecated Import `authVerificationTokensPg` from "covara/db". */
export const authVerificationTokensPg = db.authVerificationTokensPg;
/** @deprecated Import `defineInternalSchema` from "covara/db". */
export const defineInternalSchema = db.defineInternalSchema;
/** @deprecated Import `describeInternalSchema` from "covara/db". */
export const describeInternalSchema = db.describeInternalSchema;
/** @deprecated Import `migrateInternal` from "covara/db". */
export const migrateInternal = db.migrateInternal;
/** @deprecated Import `InternalSchemaError` from "covara/db". */
export const InternalSchemaError = db.InternalSchemaError;
/** @deprecated Import `InternalSchemaError` from "covara/db". */
export type InternalSchemaError = db.InternalSchemaError;
/** @deprecated Import `FieldRef` from "covara/db". */
export type FieldRef = db.FieldRef;
/** @deprecated Import `InternalSchema` from "covara/db". */
export type InternalSchema = db.InternalSchema;
/** @deprecated Import `InternalSchemaInput` from "covara/db". */
export type InternalSchemaInput = db.InternalSchemaInput;
/** @deprecated Import `InternalTableOverride` from "covara/db". */
export type InternalTableOverride<T extends db.InternalTableName> = db.InternalTableOverride<T>;
/** @deprecated Import `MigrateInternalOptions` from "covara/db". */
export type MigrateInternalOptions = db.MigrateInternalOptions;
/** @deprecated Import `ResolvedInternalTable` from "covara/db". */
export type ResolvedInternalTable<T extends db.InternalTableName> = db.ResolvedInternalTable<T>;
/** @deprecated Import `SecurityHeadersOptions` from "covara/server". */
export type SecurityHeadersOptions = import("../kernel/security-headers").SecurityHeadersOptions;

// JWT names in their old spelling.
/** @deprecated Renamed `signJWT`. */
export const signJwt = jwtSign.signJwt;
/** @deprecated Renamed `verifyJWT`. */
export const verifyJwt = jwtVerify.verifyJwt;
/** @deprecated Renamed `importJWTKey`. */
export const importJwtKey = jwtKeys.importJwtKey;
/** @deprecated Renamed `generateJWTKey`. */
export const generateJwtKey = jwtKeys.generateJwtKey;
/** @deprecated Renamed `exportPublicJWK`. */
export const exportPublicJwk = jwtKeys.exportPublicJwk;
/** @deprecated Renamed `createRemoteJWKS`. */
export const createRemoteJwks = jwks.createRemoteJwks;
/** @deprecated Renamed `JWTVerificationError`. */
export const JwtVerificationError = jwtVerify.JwtVerificationError;
/** @deprecated Renamed `JWTVerificationError`. */
export type JwtVerificationError = jwtVerify.JwtVerificationError;
/** @deprecated Renamed `JWTClaims`. */
export type JwtClaims = jwtSign.JwtClaims;
/** @deprecated Renamed `SignJWTOptions`. */
export type SignJwtOptions = jwtSign.SignJwtOptions;
/** @deprecated Renamed `JWTFailureReason`. */
export type JwtFailureReason = jwtVerify.JwtFailureReason;
/** @deprecated Renamed `JWTHeader`. */
export type JwtHeader = jwtVerify.JwtHeader;
/** @deprecated Renamed `JWTKeySource`. */
export type JwtKeySource = jwtVerify.JwtKeySource;
/** @deprecated Renamed `VerifiedJWT`. */
export type VerifiedJwt = jwtVerify.VerifiedJwt;
/** @deprecated Renamed `VerifyJWTOptions`. */
export type VerifyJwtOptions = jwtVerify.VerifyJwtOptions;
/** @deprecated Renamed `JWTKey`. */
export type JwtKey = jwtKeys.JwtKey;
/** @deprecated Renamed `JWTKeyInput`. */
export type JwtKeyInput = jwtKeys.JwtKeyInput;
/** @deprecated Renamed `JWTAlgorithm`. */
export type JwtAlgorithm = KernelJwtAlgorithm;
/** @deprecated Renamed `RemoteJWKS`. */
export type RemoteJwks = jwks.RemoteJwks;
/** @deprecated Renamed `RemoteJWKSOptions`. */
export type RemoteJwksOptions = jwks.RemoteJwksOptions;
/** @deprecated Renamed `JWTSessionOptions`. */
export type JwtSessionOptions = jwtSession.JwtSessionOptions;
/** @deprecated Renamed `JWTSessionStrategy`. */
export type JwtSessionStrategy = jwtSession.JwtSessionStrategy;
