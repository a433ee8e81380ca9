// Starts GraphiQL on the page's own URL. A separate file rather than an inline script, so that the
// Content-Security-Policy can forbid inline scripts. Credentials go in GraphiQL's "Headers" tab
// ({"Authorization": "Bearer …"}, as login returns it); they are not kept in the browser.
(function () {
  // The header lets the console run free documents under TRUSTED_DOCUMENTS=required (README).
  var fetcher = GraphiQL.createFetcher({
    url: window.location.pathname,
    headers: { "X-Bailleurs-Console": "1" },
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    })
  );
})();
