// The office preview page: the form in Web Forms, its submission checked by the server.
import { mountForm } from './webforms.js';

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

async function main() {
  const host = document.getElementById('webform');
  if (!host) return;
  const { formUrl, mediaUrl, checkUrl, language } = host.dataset;
  const result = document.getElementById('preview-result');
  const response = await fetch(formUrl, { credentials: 'same-origin' });
  const formXml = await response.text();
  mountForm(host, {
    formXml,
    language,
    attachments: (name) => mediaUrl.replace('FILE', encodeURIComponent(name)),
    onSubmit: async (formData) => {
      const reply = await fetch(checkUrl, {
        method: 'POST',
        body: formData,
        credentials: 'same-origin',
        headers: { 'X-CSRFToken': csrfToken() },
      });
      const html = await reply.text();
      result.innerHTML = html;
      result.hidden = false;
      result.scrollIntoView({ behavior: 'instant', block: 'start' });
      if (!reply.ok) throw new Error(`preview check failed: ${reply.status}`);
    },
  });
  host.dataset.mounted = 'true';
}

main();
