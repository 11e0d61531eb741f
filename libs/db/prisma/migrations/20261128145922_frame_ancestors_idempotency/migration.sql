-- AlterTable
ALTER TABLE "bedside"."ehr_registration" ADD COLUMN     "frameAncestors" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "bedside"."idempotent_request" (
    "ownerKey" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "status" INTEGER,
    "responseBody" TEXT,
    "contentType" TEXT,
    "location" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotent_request_pkey" PRIMARY KEY ("ownerKey","key")
);

-- CreateIndex
CREATE INDEX "idempotent_request_createdAt_idx" ON "bedside"."idempotent_request"("createdAt");
