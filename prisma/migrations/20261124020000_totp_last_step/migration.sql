-- The last TOTP time step accepted for each operator: a code signs in once, in every process.
ALTER TABLE "Operator" ADD COLUMN "totpLastStep" INTEGER;
