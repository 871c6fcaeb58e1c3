// Review pages from the keyboard: j/k next/previous, a approve, r return (case view);
// j/k move and Enter opens (queue).  No framework; htmx posts the actions.
(function () {
  function typing() {
    const el = document.activeElement;
    return el && (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.isContentEditable);
  }
  function openReturn() {
    const form = document.getElementById("return-form");
    if (!form) return;
    form.hidden = false;
    const reason = document.getElementById("return-reason");
    if (reason) reason.focus();
  }
  document.addEventListener("click", (event) => {
    if (event.target.closest("#open-return")) openReturn();
    if (event.target.closest("[data-close-return]")) document.getElementById("return-form").hidden = true;
    const all = event.target.closest("[data-select-all]");
    if (all) document.querySelectorAll("input[data-clean]").forEach((box) => { box.checked = all.checked; });
  });
  // A conflict (409): say so plainly and offer to reload the case.
  document.addEventListener("htmx:afterSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr && xhr.status === 409 && event.detail.target && event.detail.target.id === "messages") {
      const box = document.createElement("p");
      box.className = "conflict-box";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.id = "reload-case";
      button.textContent = document.documentElement.lang.startsWith("en") ? "Reload" : "刷新";
      button.addEventListener("click", () => window.location.reload());
      box.appendChild(button);
      event.detail.target.appendChild(box);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (typing() || event.ctrlKey || event.metaKey || event.altKey) return;
    const head = document.querySelector("[data-review-case]");
    if (head) {
      if (event.key === "j" && head.dataset.next) { window.location.href = head.dataset.next; }
      else if (event.key === "k" && head.dataset.prev) { window.location.href = head.dataset.prev; }
      else if (event.key === "a") {
        const button = document.querySelector("button[data-key-approve]:not([disabled])");
        if (button) { event.preventDefault(); button.click(); }
      } else if (event.key === "r") { event.preventDefault(); openReturn(); }
      return;
    }
    const rows = Array.from(document.querySelectorAll("table[data-queue] tr[data-href]"));
    if (!rows.length) return;
    let index = rows.findIndex((row) => row.classList.contains("selected"));
    if (event.key === "j" || event.key === "k") {
      if (index >= 0) rows[index].classList.remove("selected");
      index = event.key === "j" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
      rows[index].classList.add("selected");
      rows[index].scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter" && index >= 0) {
      window.location.href = rows[index].dataset.href;
    }
  });
})();
