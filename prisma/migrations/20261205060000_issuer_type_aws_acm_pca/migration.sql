-- Issuers run by the aws-acm-pca connector (AWS Private CA).
ALTER TYPE "issuer_type" ADD VALUE IF NOT EXISTS 'aws-acm-pca';
