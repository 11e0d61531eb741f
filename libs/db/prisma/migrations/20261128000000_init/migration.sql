-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "bedside";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "sandbox";

-- CreateEnum
CREATE TYPE "bedside"."EhrVendor" AS ENUM ('generic', 'epic', 'oracle', 'athena', 'ecw');

-- CreateEnum
CREATE TYPE "bedside"."ClientType" AS ENUM ('public', 'confidential_symmetric', 'confidential_asymmetric');

-- CreateEnum
CREATE TYPE "bedside"."TokenEndpointAuthMethod" AS ENUM ('none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt');

-- CreateEnum
CREATE TYPE "bedside"."AuditOutcome" AS ENUM ('success', 'failure');

-- CreateTable
CREATE TABLE "bedside"."ehr_registration" (
    "id" UUID NOT NULL,
    "issuer" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "vendor" "bedside"."EhrVendor" NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientType" "bedside"."ClientType" NOT NULL,
    "tokenEndpointAuthMethod" "bedside"."TokenEndpointAuthMethod" NOT NULL,
    "clientSecretCiphertext" BYTEA,
    "jwksUrl" TEXT,
    "redirectUris" TEXT[],
    "launchUrl" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ehr_registration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bedside"."registration_scope" (
    "registrationId" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "justification" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "registration_scope_pkey" PRIMARY KEY ("registrationId","scope")
);

-- CreateTable
CREATE TABLE "bedside"."pending_authorization" (
    "state" TEXT NOT NULL,
    "registrationId" UUID NOT NULL,
    "codeVerifierCiphertext" BYTEA NOT NULL,
    "nonce" TEXT NOT NULL,
    "redirectUri" TEXT NOT NULL,
    "launch" TEXT,
    "requestedScope" TEXT NOT NULL,
    "returnTo" TEXT,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "consumedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pending_authorization_pkey" PRIMARY KEY ("state")
);

-- CreateTable
CREATE TABLE "bedside"."session" (
    "idHash" TEXT NOT NULL,
    "registrationId" UUID NOT NULL,
    "patientId" TEXT,
    "encounterId" TEXT,
    "fhirUser" TEXT,
    "grantedScope" TEXT NOT NULL,
    "needPatientBanner" BOOLEAN NOT NULL DEFAULT false,
    "tokenSetCiphertext" BYTEA NOT NULL,
    "accessTokenExpiresAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "session_pkey" PRIMARY KEY ("idHash")
);

-- CreateTable
CREATE TABLE "bedside"."audit_event" (
    "id" BIGSERIAL NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" "bedside"."AuditOutcome" NOT NULL,
    "patientId" TEXT,
    "requestId" TEXT NOT NULL,
    "registrationId" UUID,
    "detail" JSONB,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox"."client" (
    "clientId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "clientType" TEXT NOT NULL,
    "secretHash" TEXT,
    "redirectUris" TEXT[],
    "launchUrl" TEXT,
    "allowedScope" TEXT NOT NULL,
    "jwksUrl" TEXT,
    "jwks" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "client_pkey" PRIMARY KEY ("clientId")
);

-- CreateTable
CREATE TABLE "sandbox"."user" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "fhirUser" TEXT NOT NULL,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox"."launch" (
    "id" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "encounterId" TEXT,
    "profile" TEXT NOT NULL DEFAULT 'generic',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "launch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox"."authorization_code" (
    "codeHash" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "redirectUri" TEXT NOT NULL,
    "codeChallenge" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "userId" TEXT,
    "fhirUser" TEXT,
    "patientId" TEXT,
    "encounterId" TEXT,
    "nonce" TEXT,
    "needPatientBanner" BOOLEAN NOT NULL DEFAULT true,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "consumedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "authorization_code_pkey" PRIMARY KEY ("codeHash")
);

-- CreateTable
CREATE TABLE "sandbox"."signing_key" (
    "kid" TEXT NOT NULL,
    "alg" TEXT NOT NULL,
    "publicJwk" JSONB NOT NULL,
    "privateJwk" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMPTZ(3),

    CONSTRAINT "signing_key_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "sandbox"."fhir_resource" (
    "resourceType" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "versionId" INTEGER NOT NULL DEFAULT 1,
    "lastUpdated" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "content" JSONB NOT NULL,

    CONSTRAINT "fhir_resource_pkey" PRIMARY KEY ("resourceType","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ehr_registration_issuer_key" ON "bedside"."ehr_registration"("issuer");

-- CreateIndex
CREATE INDEX "pending_authorization_expiresAt_idx" ON "bedside"."pending_authorization"("expiresAt");

-- CreateIndex
CREATE INDEX "session_expiresAt_idx" ON "bedside"."session"("expiresAt");

-- CreateIndex
CREATE INDEX "audit_event_occurredAt_idx" ON "bedside"."audit_event"("occurredAt");

-- CreateIndex
CREATE INDEX "audit_event_patientId_occurredAt_idx" ON "bedside"."audit_event"("patientId", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "user_username_key" ON "sandbox"."user"("username");

-- CreateIndex
CREATE INDEX "launch_expiresAt_idx" ON "sandbox"."launch"("expiresAt");

-- CreateIndex
CREATE INDEX "authorization_code_expiresAt_idx" ON "sandbox"."authorization_code"("expiresAt");

-- AddForeignKey
ALTER TABLE "bedside"."registration_scope" ADD CONSTRAINT "registration_scope_registrationId_fkey" FOREIGN KEY ("registrationId") REFERENCES "bedside"."ehr_registration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bedside"."pending_authorization" ADD CONSTRAINT "pending_authorization_registrationId_fkey" FOREIGN KEY ("registrationId") REFERENCES "bedside"."ehr_registration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bedside"."session" ADD CONSTRAINT "session_registrationId_fkey" FOREIGN KEY ("registrationId") REFERENCES "bedside"."ehr_registration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The audit log is append-only: refuse UPDATE, DELETE and TRUNCATE at the database itself.
CREATE FUNCTION "bedside"."audit_event_is_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_event_no_update_delete"
  BEFORE UPDATE OR DELETE ON "bedside"."audit_event"
  FOR EACH ROW EXECUTE FUNCTION "bedside"."audit_event_is_append_only"();

CREATE TRIGGER "audit_event_no_truncate"
  BEFORE TRUNCATE ON "bedside"."audit_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "bedside"."audit_event_is_append_only"();
