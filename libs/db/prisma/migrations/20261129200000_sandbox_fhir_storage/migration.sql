-- AlterTable
ALTER TABLE "sandbox"."fhir_resource" ADD COLUMN     "patientId" TEXT,
ADD COLUMN     "rid" BIGSERIAL NOT NULL;

-- CreateTable
CREATE TABLE "sandbox"."fhir_resource_version" (
    "resourceType" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "versionId" INTEGER NOT NULL,
    "lastUpdated" TIMESTAMPTZ(3) NOT NULL,
    "method" TEXT NOT NULL,
    "content" JSONB,

    CONSTRAINT "fhir_resource_version_pkey" PRIMARY KEY ("resourceType","id","versionId")
);

-- CreateTable
CREATE TABLE "sandbox"."fhir_search_token" (
    "rid" BIGINT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "param" TEXT NOT NULL,
    "system" TEXT NOT NULL,
    "code" TEXT NOT NULL,

    CONSTRAINT "fhir_search_token_pkey" PRIMARY KEY ("rid","param","system","code")
);

-- CreateTable
CREATE TABLE "sandbox"."fhir_search_string" (
    "rid" BIGINT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "param" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "exact" TEXT NOT NULL,

    CONSTRAINT "fhir_search_string_pkey" PRIMARY KEY ("rid","param","exact")
);

-- CreateTable
CREATE TABLE "sandbox"."fhir_search_date" (
    "rid" BIGINT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "param" TEXT NOT NULL,
    "low" TIMESTAMPTZ(3) NOT NULL,
    "high" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "fhir_search_date_pkey" PRIMARY KEY ("rid","param","low","high")
);

-- CreateTable
CREATE TABLE "sandbox"."fhir_search_reference" (
    "rid" BIGINT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "param" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,

    CONSTRAINT "fhir_search_reference_pkey" PRIMARY KEY ("rid","param","targetType","targetId")
);

-- CreateTable
CREATE TABLE "sandbox"."fhir_export_job" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "request" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "patientIds" TEXT[],
    "groupId" TEXT,
    "params" JSONB NOT NULL,
    "transactionTime" TIMESTAMPTZ(3) NOT NULL,
    "progress" TEXT,
    "output" JSONB,
    "error" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "fhir_export_job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "fhir_search_token_resourceType_param_code_system_idx" ON "sandbox"."fhir_search_token"("resourceType", "param", "code", "system");

-- CreateIndex
CREATE INDEX "fhir_search_string_resourceType_param_value_idx" ON "sandbox"."fhir_search_string"("resourceType", "param", "value");

-- CreateIndex
CREATE INDEX "fhir_search_date_resourceType_param_low_idx" ON "sandbox"."fhir_search_date"("resourceType", "param", "low");

-- CreateIndex
CREATE INDEX "fhir_search_reference_resourceType_param_targetId_idx" ON "sandbox"."fhir_search_reference"("resourceType", "param", "targetId");

-- CreateIndex
CREATE INDEX "fhir_export_job_expiresAt_idx" ON "sandbox"."fhir_export_job"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "fhir_resource_rid_key" ON "sandbox"."fhir_resource"("rid");

-- CreateIndex
CREATE INDEX "fhir_resource_resourceType_rid_idx" ON "sandbox"."fhir_resource"("resourceType", "rid");

-- CreateIndex
CREATE INDEX "fhir_resource_patientId_resourceType_rid_idx" ON "sandbox"."fhir_resource"("patientId", "resourceType", "rid");

-- CreateIndex
CREATE INDEX "fhir_resource_resourceType_lastUpdated_idx" ON "sandbox"."fhir_resource"("resourceType", "lastUpdated");
