const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

/** A plain error page for launch failures (shown inside the EHR's iframe). */
export function renderErrorPage(title: string, detail: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · Bedside</title>
<style>body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#14202b;background:#f4f7fa}
main{max-width:640px;margin:48px auto;padding:16px 24px;background:#fff;border-left:4px solid #a4161a}
h1{font-size:20px;margin:0 0 8px}</style></head>
<body><main role="alert"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>
<p>Start the app again from your EHR. If this keeps happening, give this page's text to your administrator.</p></main></body></html>`;
}
