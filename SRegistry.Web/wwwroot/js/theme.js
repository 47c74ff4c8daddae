// Runs in <head> before the page paints: marks <html> with the visitor's stored light/dark choice so app.css can colour
// the page before the dashboard's circuit (and MudBlazor's theme) is up. No choice stored: the system's.
(function () {
  try {
    var theme = localStorage.getItem('sregistry.theme');
    if (theme !== 'dark' && theme !== 'light') {
      theme = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
    }
    document.documentElement.setAttribute('data-theme', theme);
  } catch (e) { /* storage blocked: app.css's media query still darkens the page */ }
})();
