// evsynth workbench: keyboard screening with a short undo window before a vote is sent.
"use strict";
(function () {
  const form = document.getElementById("vote-form");
  const help = document.getElementById("help");
  const undoBox = document.getElementById("undo");
  const undoText = document.getElementById("undo-text");
  let pending = null;

  function typing(target) {
    return target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  function cancel() {
    if (!pending) return;
    clearInterval(pending.timer);
    pending = null;
    undoBox.hidden = true;
    form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
  }

  function send(decision) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "decision";
    field.value = decision;
    form.appendChild(field);
    HTMLFormElement.prototype.submit.call(form);
  }

  function start(decision, label) {
    if (pending) return;
    if (decision === "exclude" && form.dataset.stage === "full_text") {
      const reason = document.getElementById("reason");
      const custom = document.getElementById("custom-reason");
      if (!reason.value && !custom.value.trim()) {
        reason.focus();
        undoBox.hidden = false;
        undoText.textContent = "Choose an exclusion reason, then press Exclude.";
        return;
      }
    }
    const total = 1000 * parseFloat(form.dataset.undoSeconds || "5");
    if (!(total > 0)) { send(decision); return; }
    const due = Date.now() + total;
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    undoBox.hidden = false;
    const show = () => {
      const left = Math.max(1, Math.ceil((due - Date.now()) / 1000));
      undoText.textContent = label + " — sending in " + left + " s";
    };
    show();
    pending = { decision: decision, timer: setInterval(() => {
      if (Date.now() >= due) {
        const chosen = pending.decision;
        clearInterval(pending.timer);
        undoText.textContent = label + " — sent";
        send(chosen);
      } else {
        show();
      }
    }, 100) };
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      if (!button || button.name !== "decision") return;
      event.preventDefault();
      start(button.value, button.textContent.replace(/\s+\S$/, "").trim());
    });
    const undoButton = document.getElementById("undo-button");
    if (undoButton) undoButton.addEventListener("click", cancel);
  }
  const close = document.getElementById("help-close");
  if (close) close.addEventListener("click", () => toggleHelp(false));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (!form) return;
    if (event.key === "u") { cancel(); event.preventDefault(); return; }
    const button = form.querySelector('button[data-key="' + event.key + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      start(button.value, button.textContent.replace(/\s+\S$/, "").trim());
    }
  });
})();
