// The interactive API docs: Swagger UI from the installed swagger-ui-bundle
// package, reading this server's own OpenAPI description. Nothing is fetched
// from elsewhere, and no inline script is needed (the page's CSP forbids it).
"use strict";
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
