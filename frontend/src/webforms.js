// The one wrapper around @getodk/web-forms (pinned 0.22.0). Every page that shows an
// XForm in the browser (the office preview now, browser collection later) goes through
// mountForm(), so an engine upgrade touches this file only.
//
// Notes (tech-notes §3): the plugin export is `webFormsPlugin` (the README's
// `WebFormsPlugin` does not exist in 0.22); CSV attachments must have XML-safe headers;
// the engine's own chrome is English only, so forms carry required messages in both
// languages.
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin } from '@getodk/web-forms';

// Mark the translation whose name is `language` (or ends with "(language)") as the
// default, so the form opens in that language; the engine's menu can still switch.
export function withDefaultLanguage(formXml, language) {
  if (!language) return formXml;
  const doc = new DOMParser().parseFromString(formXml, 'text/xml');
  const translations = Array.from(doc.getElementsByTagName('translation'));
  const wanted = translations.find((t) => {
    const lang = t.getAttribute('lang') || '';
    return lang === language || lang.endsWith(`(${language})`);
  });
  if (!wanted) return formXml;
  for (const t of translations) t.removeAttribute('default');
  wanted.setAttribute('default', 'true()');
  return new XMLSerializer().serializeToString(doc);
}

function attachmentName(url) {
  const text = String(url && url.href !== undefined ? url.href : url);
  return decodeURIComponent(text.split('/').pop());
}

/**
 * Render an XForm in `el`.
 *
 * options.formXml      the XForm text
 * options.attachments  function(fileName) -> URL string of that media file
 * options.language     a language code or name to open the form in (optional)
 * options.instance     an existing submission to edit (passed to editInstance; optional)
 * options.onSubmit     async function(formData) called with the OpenRosa payload
 *                      (FormData with `xml_submission_file` and attachments); throw to
 *                      report a failure to the engine
 * Returns { unmount }.
 */
export function mountForm(el, { formXml, attachments, language, instance, onSubmit }) {
  const props = {
    formXml: withDefaultLanguage(formXml, language),
    fetchFormAttachment: (url) => fetch(attachments(attachmentName(url)), { credentials: 'same-origin' }),
    missingResourceBehavior: 'BLANK',
    onSubmit: async (payload, callback) => {
      try {
        await onSubmit(payload.data[0]);
        callback?.({ status: 'success' });
      } catch (error) {
        console.error(error);
        callback?.({ status: 'failure', reason: String(error) });
      }
    },
  };
  if (instance) props.editInstance = instance;
  const app = createApp({ render: () => h(OdkWebForm, props) });
  app.use(webFormsPlugin);
  app.mount(el);
  return { unmount: () => app.unmount() };
}
