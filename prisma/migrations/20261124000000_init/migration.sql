-- CreateEnum
CREATE TYPE "OperatorRole" AS ENUM ('instance_owner', 'instance_admin');
CREATE TYPE "PoolStatus" AS ENUM ('active', 'disabled', 'archived');
CREATE TYPE "RoutingStrategy" AS ENUM ('bridge_ring', 'deterministic_rotation', 'least_recent_success', 'quota_first');
CREATE TYPE "AccountStatus" AS ENUM ('active', 'paused', 'refreshing', 'reauth_required', 'disabled');
CREATE TYPE "QuotaWindowKind" AS ENUM ('primary', 'secondary');
CREATE TYPE "ApiKeyStatus" AS ENUM ('active', 'paused', 'revoked');
CREATE TYPE "AffinityKind" AS ENUM ('session', 'response', 'turn_state');
CREATE TYPE "FaultClass" AS ENUM ('client', 'account', 'platform');

-- CreateTable
CREATE TABLE "Operator" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT,
    "passwordHash" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "mustChangePassword" BOOLEAN NOT NULL DEFAULT false,
    "totpSecretCipher" TEXT,
    "totpKeyVersion" INTEGER,
    "totpEnabledAt" TIMESTAMP(3),
    "lastSignInAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Operator_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "RecoveryCode" (
    "id" TEXT NOT NULL,
    "operatorId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RecoveryCode_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "OperatorSession" (
    "id" TEXT NOT NULL,
    "operatorId" TEXT NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "OperatorSession_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "OperatorPoolAssignment" (
    "operatorId" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OperatorPoolAssignment_pkey" PRIMARY KEY ("operatorId","poolId")
);

CREATE TABLE "Invite" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL DEFAULT 'instance_admin',
    "poolIds" TEXT[],
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "acceptedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Invite_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "BootstrapState" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "ownerId" TEXT NOT NULL,
    "completedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BootstrapState_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Pool" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "PoolStatus" NOT NULL DEFAULT 'active',
    "strategy" "RoutingStrategy" NOT NULL DEFAULT 'bridge_ring',
    "ringSize" INTEGER NOT NULL DEFAULT 3,
    "stickySessions" BOOLEAN NOT NULL DEFAULT true,
    "promptCacheAffinity" BOOLEAN NOT NULL DEFAULT true,
    "v1CompatibilityEnabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Pool_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "UpstreamAccount" (
    "id" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "email" TEXT,
    "chatgptAccountId" TEXT NOT NULL,
    "chatgptUserId" TEXT NOT NULL DEFAULT '',
    "planType" TEXT,
    "status" "AccountStatus" NOT NULL DEFAULT 'active',
    "accessTokenCipher" TEXT NOT NULL,
    "refreshTokenCipher" TEXT NOT NULL,
    "idTokenCipher" TEXT,
    "tokenKeyVersion" INTEGER NOT NULL,
    "tokenExpiresAt" TIMESTAMP(3),
    "lastRefreshAt" TIMESTAMP(3),
    "supportedModels" TEXT[],
    "weight" INTEGER NOT NULL DEFAULT 1,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "cooldownUntil" TIMESTAMP(3),
    "lastErrorCode" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "UpstreamAccount_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "QuotaWindow" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "kind" "QuotaWindowKind" NOT NULL,
    "usedPercent" DOUBLE PRECISION NOT NULL,
    "windowMinutes" INTEGER NOT NULL,
    "resetsAt" TIMESTAMP(3),
    "observedAt" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    CONSTRAINT "QuotaWindow_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "PoolModel" (
    "poolId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "info" JSONB NOT NULL,
    "syncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PoolModel_pkey" PRIMARY KEY ("poolId","slug")
);

CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "status" "ApiKeyStatus" NOT NULL DEFAULT 'active',
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "allowedModels" TEXT[],
    "requestsPerMinute" INTEGER,
    "tokensPerDay" INTEGER,
    "tokensPerWeek" INTEGER,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ApiKeyUsageBucket" (
    "apiKeyId" TEXT NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "tokens" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "ApiKeyUsageBucket_pkey" PRIMARY KEY ("apiKeyId","bucketStart")
);

CREATE TABLE "RoutingAffinity" (
    "poolId" TEXT NOT NULL,
    "kind" "AffinityKind" NOT NULL,
    "keyHash" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "RoutingAffinity_pkey" PRIMARY KEY ("poolId","kind","keyHash")
);

CREATE TABLE "CodexFile" (
    "id" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "apiKeyId" TEXT,
    "fileId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "fileName" TEXT,
    "byteSize" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'pending_upload',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "CodexFile_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "RequestLog" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "poolId" TEXT,
    "apiKeyId" TEXT,
    "accountId" TEXT,
    "route" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "model" TEXT,
    "status" INTEGER NOT NULL,
    "errorClass" "FaultClass",
    "errorCode" TEXT,
    "latencyMs" INTEGER NOT NULL,
    "ttfbMs" INTEGER,
    "inputTokens" INTEGER NOT NULL DEFAULT 0,
    "cachedInputTokens" INTEGER NOT NULL DEFAULT 0,
    "outputTokens" INTEGER NOT NULL DEFAULT 0,
    "reasoningTokens" INTEGER NOT NULL DEFAULT 0,
    "costMicros" BIGINT NOT NULL DEFAULT 0,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "RequestLog_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "RequestAttempt" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "accountId" TEXT,
    "status" INTEGER NOT NULL,
    "latencyMs" INTEGER NOT NULL,
    "ttfbMs" INTEGER,
    "retryable" BOOLEAN NOT NULL DEFAULT false,
    "errorClass" "FaultClass",
    "errorCode" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RequestAttempt_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "poolId" TEXT,
    "ip" TEXT,
    "outcome" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "InstanceSetting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "secret" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedById" TEXT,
    CONSTRAINT "InstanceSetting_pkey" PRIMARY KEY ("key")
);

CREATE TABLE "McpToken" (
    "id" TEXT NOT NULL,
    "operatorId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "McpToken_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "PricingSnapshot" (
    "id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "inputPerMillion" INTEGER NOT NULL,
    "cachedInputPerMillion" INTEGER NOT NULL,
    "outputPerMillion" INTEGER NOT NULL,
    "effectiveAt" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PricingSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Operator_email_key" ON "Operator"("email");
CREATE INDEX "RecoveryCode_operatorId_idx" ON "RecoveryCode"("operatorId");
CREATE INDEX "OperatorSession_operatorId_idx" ON "OperatorSession"("operatorId");
CREATE INDEX "OperatorPoolAssignment_poolId_idx" ON "OperatorPoolAssignment"("poolId");
CREATE UNIQUE INDEX "Invite_tokenHash_key" ON "Invite"("tokenHash");
CREATE UNIQUE INDEX "Pool_name_key" ON "Pool"("name");
CREATE INDEX "UpstreamAccount_poolId_idx" ON "UpstreamAccount"("poolId");
CREATE UNIQUE INDEX "UpstreamAccount_chatgptAccountId_chatgptUserId_key" ON "UpstreamAccount"("chatgptAccountId", "chatgptUserId");
CREATE UNIQUE INDEX "QuotaWindow_accountId_kind_key" ON "QuotaWindow"("accountId", "kind");
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");
CREATE INDEX "ApiKey_poolId_idx" ON "ApiKey"("poolId");
CREATE INDEX "RoutingAffinity_expiresAt_idx" ON "RoutingAffinity"("expiresAt");
CREATE UNIQUE INDEX "CodexFile_poolId_fileId_key" ON "CodexFile"("poolId", "fileId");
CREATE INDEX "RequestLog_createdAt_idx" ON "RequestLog"("createdAt");
CREATE INDEX "RequestLog_poolId_createdAt_idx" ON "RequestLog"("poolId", "createdAt");
CREATE INDEX "RequestLog_apiKeyId_createdAt_idx" ON "RequestLog"("apiKeyId", "createdAt");
CREATE INDEX "RequestAttempt_requestId_idx" ON "RequestAttempt"("requestId");
CREATE INDEX "AuditEvent_occurredAt_idx" ON "AuditEvent"("occurredAt");
CREATE INDEX "AuditEvent_poolId_occurredAt_idx" ON "AuditEvent"("poolId", "occurredAt");
CREATE UNIQUE INDEX "McpToken_prefix_key" ON "McpToken"("prefix");
CREATE UNIQUE INDEX "PricingSnapshot_model_effectiveAt_key" ON "PricingSnapshot"("model", "effectiveAt");

-- AddForeignKey
ALTER TABLE "RecoveryCode" ADD CONSTRAINT "RecoveryCode_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "Operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OperatorSession" ADD CONSTRAINT "OperatorSession_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "Operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OperatorPoolAssignment" ADD CONSTRAINT "OperatorPoolAssignment_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "Operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OperatorPoolAssignment" ADD CONSTRAINT "OperatorPoolAssignment_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Invite" ADD CONSTRAINT "Invite_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Operator"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "UpstreamAccount" ADD CONSTRAINT "UpstreamAccount_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "QuotaWindow" ADD CONSTRAINT "QuotaWindow_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "UpstreamAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PoolModel" ADD CONSTRAINT "PoolModel_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ApiKeyUsageBucket" ADD CONSTRAINT "ApiKeyUsageBucket_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RoutingAffinity" ADD CONSTRAINT "RoutingAffinity_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "CodexFile" ADD CONSTRAINT "CodexFile_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RequestAttempt" ADD CONSTRAINT "RequestAttempt_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "RequestLog"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpToken" ADD CONSTRAINT "McpToken_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "Operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;
