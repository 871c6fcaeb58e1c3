#!/bin/sh
# Rebuild the browser form engine bundle served by the questionnaires app.
# Needs Node 20+; users never run this (the output is committed).
#   cd frontend && sh build.sh
set -eu
cd "$(dirname "$0")"
OUT=../povcensus/questionnaires/static/questionnaires/webforms
npm ci --no-audit --no-fund
rm -rf "$OUT"
./node_modules/.bin/esbuild src/preview.js src/collect.js \
  --bundle --format=esm --minify --splitting --target=es2022 \
  --outdir="$OUT" --entry-names='[name]' --chunk-names='chunk-[hash]' --asset-names='asset-[hash]' \
  --loader:.woff=file --loader:.woff2=file --loader:.ttf=file --loader:.png=file --loader:.svg=file \
  --legal-comments=external \
  --define:process.env.NODE_ENV='"production"' \
  --define:__VUE_OPTIONS_API__=true \
  --define:__VUE_PROD_DEVTOOLS__=false \
  --define:__VUE_PROD_HYDRATION_MISMATCH_DETAILS__=false
echo "built into $OUT:"
ls -la "$OUT"
