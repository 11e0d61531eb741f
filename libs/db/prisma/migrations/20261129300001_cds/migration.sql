-- CreateTable
CREATE TABLE "bedside"."cds_client" (
    "id" UUID NOT NULL,
    "issuer" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "jwksUrl" TEXT,
    "allowedJku" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowedJkuPrefixes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "jwks" JSONB,
    "tenants" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cds_client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bedside"."cds_jwt_replay" (
    "issuer" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cds_jwt_replay_pkey" PRIMARY KEY ("issuer","jti")
);

-- CreateTable
CREATE TABLE "sandbox"."cds_signing_key" (
    "kid" TEXT NOT NULL,
    "alg" TEXT NOT NULL,
    "publicJwk" JSONB NOT NULL,
    "privateJwk" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMPTZ(3),

    CONSTRAINT "cds_signing_key_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "sandbox"."cds_exchange" (
    "hookInstance" UUID NOT NULL,
    "serviceId" TEXT NOT NULL,
    "hook" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "screen" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cds_exchange_pkey" PRIMARY KEY ("hookInstance")
);

-- CreateIndex
CREATE UNIQUE INDEX "cds_client_issuer_key" ON "bedside"."cds_client"("issuer");

-- CreateIndex
CREATE INDEX "cds_jwt_replay_expiresAt_idx" ON "bedside"."cds_jwt_replay"("expiresAt");

-- CreateIndex
CREATE INDEX "cds_exchange_patientId_screen_createdAt_idx" ON "sandbox"."cds_exchange"("patientId", "screen", "createdAt");
