// Small page helpers; no framework.  htmx handles partial updates.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("messages");
  if (box && event.detail.xhr && !event.detail.xhr.getResponseHeader("HX-Retarget")) {
    box.innerHTML = '<div class="alert alert-error" role="alert">' + (event.detail.xhr.status || "") + " " + (event.detail.xhr.statusText || "") + "</div>";
  }
});
document.addEventListener("keydown", (event) => {
  // "/" focuses the first search box, as in most office tools.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); }
  }
});
