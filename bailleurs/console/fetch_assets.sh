#!/usr/bin/env bash
# Fetches the console's browser bundles from the npm registry at pinned versions and copies them,
# with their licences, into static/ (committed: the service never reaches a CDN at run time).
# Run it only to change a version:  bash bailleurs/console/fetch_assets.sh
set -euo pipefail
cd "$(dirname "$0")"
REACT=18.3.1
GRAPHIQL=3.8.3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for pkg in "react@$REACT" "react-dom@$REACT" "graphiql@$GRAPHIQL"; do
  (cd "$work" && npm pack --silent "$pkg" >/dev/null)
done
mkdir -p static
for name in react react-dom graphiql; do
  mkdir -p "$work/$name" && tar -xzf "$work/$name"-[0-9]*.tgz -C "$work/$name"
done
cp "$work/react/package/umd/react.production.min.js" static/
cp "$work/react-dom/package/umd/react-dom.production.min.js" static/
cp "$work/graphiql/package/graphiql.min.js" "$work/graphiql/package/graphiql.min.css" static/
cp "$work/react/package/LICENSE" static/LICENSE.react
cp "$work/react-dom/package/LICENSE" static/LICENSE.react-dom
cp "$work/graphiql/package/LICENSE" static/LICENSE.graphiql
printf 'react %s\nreact-dom %s\ngraphiql %s\n' "$REACT" "$REACT" "$GRAPHIQL" > static/VERSIONS
