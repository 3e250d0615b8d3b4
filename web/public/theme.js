// Runs before the first paint so that a dark theme never flashes light. Kept in step with src/theme/theme.ts.
(function () {
  var choice;
  try {
    choice = localStorage.getItem('fidus.theme');
  } catch (_) {
    choice = null;
  }
  var dark = choice === 'dark' || (choice !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
})();
