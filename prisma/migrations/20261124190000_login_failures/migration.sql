-- Failed sign-ins inside the throttle window, counted in PostgreSQL so the login throttle holds
-- across every process. Subjects are keyed hashes of the email or client IP, never the values.
CREATE TABLE "LoginFailure" (
    "id" BIGSERIAL NOT NULL,
    "subject" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LoginFailure_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "LoginFailure_subject_createdAt_idx" ON "LoginFailure"("subject", "createdAt");
