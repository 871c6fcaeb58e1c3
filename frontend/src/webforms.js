// The one wrapper around @getodk/web-forms (pinned 0.22.0). Every page that shows an
// XForm in the browser (the office preview, browser collection) goes through
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

const XFORMS_NS = 'http://www.w3.org/2002/xforms';

function primaryRoot(doc) {
  const model = doc.getElementsByTagNameNS(XFORMS_NS, 'model')[0];
  if (!model) return null;
  const instance = Array.from(model.children).find(
    (el) => el.localName === 'instance' && !el.hasAttribute('id'),
  );
  return instance ? instance.firstElementChild : null;
}

function pathOf(el) {
  const parts = [];
  for (let node = el; node && node.nodeType === 1 && node.localName !== 'instance'; node = node.parentNode) {
    parts.unshift(node.localName);
  }
  return `/${parts.join('/')}`;
}

// Start a new instance with `values` (field name -> value) already chosen, as if the
// enumerator had picked them: the primary instance carries the value, the field is made
// read-only, and every action the field's change triggers (setvalue on
// xforms-value-changed, e.g. the register defaults of the household form) also runs when
// the instance is first loaded.  Fields are top-level-or-grouped leaves, found by name.
export function withInitialValues(formXml, values) {
  const names = Object.keys(values || {}).filter((name) => values[name] !== '' && values[name] != null);
  if (!names.length) return formXml;
  const doc = new DOMParser().parseFromString(formXml, 'text/xml');
  const root = primaryRoot(doc);
  if (!root) return formXml;
  for (const name of names) {
    const field = Array.from(root.getElementsByTagName('*')).find((el) => el.localName === name);
    if (!field) continue;
    field.textContent = String(values[name]);
    const path = pathOf(field);
    for (const bind of Array.from(doc.getElementsByTagNameNS(XFORMS_NS, 'bind'))) {
      if (bind.getAttribute('nodeset') === path) bind.setAttribute('readonly', 'true()');
    }
    for (const control of Array.from(doc.querySelectorAll('[ref]'))) {
      if (control.getAttribute('ref') !== path || control.localName === 'setvalue') continue;
      for (const action of Array.from(control.children)) {
        const events = (action.getAttribute('event') || '').split(/\s+/);
        if (action.localName === 'setvalue' && events.includes('xforms-value-changed')
            && !events.includes('odk-instance-first-load')) {
          action.setAttribute('event', [...events, 'odk-instance-first-load'].join(' '));
        }
      }
    }
  }
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
 * options.initialValues  { field name: value } chosen before the form opens (a new
 *                      instance only; see withInitialValues)
 * options.instance     an existing submission to edit, as { xml, attachmentNames,
 *                      attachmentUrl(name) }; the engine opens it in edit mode (new
 *                      instanceID, the old one as deprecatedID; optional)
 * options.onSubmit     async function(formData) called with the OpenRosa payload
 *                      (FormData with `xml_submission_file` and attachments); throw to
 *                      report a failure to the engine
 * Returns { unmount }.
 */
export function mountForm(el, { formXml, attachments, language, initialValues, instance, onSubmit }) {
  const source = instance ? formXml : withInitialValues(formXml, initialValues);
  const props = {
    formXml: withDefaultLanguage(source, language),
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
  if (instance) {
    props.editInstance = {
      resolveInstance: async () => instance.xml,
      attachmentFileNames: instance.attachmentNames || [],
      resolveAttachment: (name) => fetch(instance.attachmentUrl(name), { credentials: 'same-origin' }),
    };
  }
  const app = createApp({ render: () => h(OdkWebForm, props) });
  app.use(webFormsPlugin);
  app.mount(el);
  return { unmount: () => app.unmount() };
}
