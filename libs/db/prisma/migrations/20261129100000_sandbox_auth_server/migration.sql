-- AlterTable
ALTER TABLE "sandbox"."authorization_code" ADD COLUMN     "launchId" TEXT,
ADD COLUMN     "launchKind" TEXT NOT NULL DEFAULT 'ehr',
ADD COLUMN     "profile" TEXT NOT NULL DEFAULT 'generic';

-- AlterTable
ALTER TABLE "sandbox"."client" ADD COLUMN     "faults" JSONB,
ADD COLUMN     "metadata" JSONB,
ADD COLUMN     "profile" TEXT NOT NULL DEFAULT 'generic',
ADD COLUMN     "scopeVersion" TEXT;

-- AlterTable
ALTER TABLE "sandbox"."launch" ADD COLUMN     "faults" JSONB;

-- AlterTable
ALTER TABLE "sandbox"."user" ADD COLUMN     "passwordHash" TEXT;

-- CreateTable
CREATE TABLE "sandbox"."refresh_token" (
    "tokenHash" TEXT NOT NULL,
    "familyId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "userId" TEXT,
    "fhirUser" TEXT,
    "patientId" TEXT,
    "encounterId" TEXT,
    "profile" TEXT NOT NULL DEFAULT 'generic',
    "grantScope" TEXT NOT NULL,
    "launchId" TEXT,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "consumedAt" TIMESTAMPTZ(3),
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refresh_token_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "sandbox"."assertion_jti" (
    "issuer" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "assertion_jti_pkey" PRIMARY KEY ("issuer","jti")
);

-- CreateTable
CREATE TABLE "sandbox"."revocation" (
    "id" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "revocation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox"."authorization_request" (
    "id" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "userId" TEXT,
    "patientId" TEXT,
    "encounterId" TEXT,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "authorization_request_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "refresh_token_familyId_idx" ON "sandbox"."refresh_token"("familyId");

-- CreateIndex
CREATE INDEX "assertion_jti_expiresAt_idx" ON "sandbox"."assertion_jti"("expiresAt");

-- CreateIndex
CREATE INDEX "revocation_expiresAt_idx" ON "sandbox"."revocation"("expiresAt");

-- CreateIndex
CREATE INDEX "authorization_request_expiresAt_idx" ON "sandbox"."authorization_request"("expiresAt");
