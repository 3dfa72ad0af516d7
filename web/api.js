// api.js — calls to the studio's JSON API. The token arrives once in the page's address
// (?token=...): it is kept for this tab and taken out of the address bar. The server also set an
// HttpOnly cookie with it, which <img>, <video> and EventSource use.
const params = new URLSearchParams(location.search);
if (params.has('token')) {
  sessionStorage.setItem('fs_token', params.get('token'));
  history.replaceState(null, '', location.pathname);
}
const token = sessionStorage.getItem('fs_token') || '';

export async function api(path, body) {
  const init = { headers: { 'X-Facestitch-Token': token } };
  if (body !== undefined) {
    init.method = 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const type = r.headers.get('Content-Type') || '';
  if (!r.ok) {
    const msg = type.startsWith('application/json') ? (await r.json()).error : r.statusText;
    throw new Error(msg || `HTTP ${r.status}`);
  }
  return type.startsWith('application/json') ? r.json() : r.blob();
}

export function fileUrl(project, name) {
  return `/api/file?project=${project}&name=${encodeURIComponent(name)}`;
}
