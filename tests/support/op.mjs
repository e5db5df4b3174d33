// The dev OpenID provider lives with the dev tooling (scripts/lib/dev-op.mjs), which
// `npm run dev` and the tests share; the tests import it from here.
export * from "../../scripts/lib/dev-op.mjs";
