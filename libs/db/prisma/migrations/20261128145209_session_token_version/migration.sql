-- AlterTable
ALTER TABLE "bedside"."session" ADD COLUMN     "tokenVersion" INTEGER NOT NULL DEFAULT 0;
