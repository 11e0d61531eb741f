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

-- CreateIndex
CREATE UNIQUE INDEX "cds_client_issuer_key" ON "bedside"."cds_client"("issuer");

-- CreateIndex
CREATE INDEX "cds_jwt_replay_expiresAt_idx" ON "bedside"."cds_jwt_replay"("expiresAt");
