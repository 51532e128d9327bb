// pydata-sphinx-theme wires up only the first .primary-toggle and .secondary-toggle
// (document.querySelector); sphinx-book-theme adds a second pair, the only one visible
// on a phone, so its menu buttons did nothing. Their clicks go to the wired pair.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const [wired, ...others] = document.querySelectorAll(`.${kind}-toggle`);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        wired.click();
      });
    }
  }
});
