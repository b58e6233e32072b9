// Follows the OS colour scheme; charts read it so they redraw with the right palette.
class ThemeState {
  dark = $state(false);

  constructor() {
    if (typeof matchMedia === 'undefined') return;
    const query = matchMedia('(prefers-color-scheme: dark)');
    this.dark = query.matches;
    query.addEventListener('change', (event) => {
      this.dark = event.matches;
    });
  }
}

export const theme = new ThemeState();
