// Worker secrets for a local run: shared with `npm run dev` (scripts/lib/secrets.mjs).
export * from "../../scripts/lib/secrets.mjs";
