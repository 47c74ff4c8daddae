// Small browser helpers the components call through JS interop.
window.sregistry = {
  // navigator.clipboard only exists on secure origins; a plain-http intranet registry needs the fallback.
  copy: async function (text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (e) { /* fall through to the fallback */ }
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  },
  submit: function (formId) {
    const form = document.getElementById(formId);
    if (form) { form.submit(); }
  },
  // The light/dark choice, remembered in this browser (theme.js applies it before the next first paint).
  theme: {
    get: function () {
      try { return localStorage.getItem('sregistry.theme'); } catch (e) { return null; }
    },
    set: function (theme) {
      try { localStorage.setItem('sregistry.theme', theme); } catch (e) { /* not remembered */ }
      document.documentElement.setAttribute('data-theme', theme);
    }
  }
};

// The skip link moves keyboard focus to the page, not only the scroll position (Blazor's router handles '#' links).
document.addEventListener('click', function (event) {
  const link = event.target.closest && event.target.closest('a.skip-link');
  const main = document.getElementById('main-content');
  if (link && main) {
    event.preventDefault();
    main.focus();
  }
});
