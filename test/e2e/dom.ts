/**
 * Scripts that run inside the workbench page. They are plain JavaScript strings, not TypeScript
 * functions: tsx compiles test code with helper calls (such as `__name`) that do not exist in the browser,
 * so a function handed to page.evaluate could fail there for reasons that have nothing to do with VS Code.
 * Each script is an expression taking one JSON argument: `(${SCRIPT})(${JSON.stringify(arg)})`.
 */

/** Rows of the Problems view that are rendered now (it is a virtual list), in list order. */
export const READ_PROBLEM_ROWS = String.raw`(function () {
  const text = (root, sel) => { const e = root.querySelector(sel); return e ? e.textContent.replace(/\u00a0/g, ' ').trim() : ''; };
  const rows = Array.from(document.querySelectorAll('.markers-panel .monaco-list-row'));
  return rows.map((r) => {
    const index = Number(r.getAttribute('data-index'));
    const last = r.getAttribute('data-last-element') === 'true';
    const level = Number(r.getAttribute('aria-level') || '0');
    const message = r.querySelector('.marker-message');
    if (!message) {
      const label = r.querySelector('.monaco-icon-label');
      return { index, last, level, kind: level === 1 ? 'file' : 'related', name: text(r, '.label-name'),
        dir: text(r, '.label-description'), path: label ? label.getAttribute('aria-label') || '' : '', text: r.textContent || '' };
    }
    const icon = r.querySelector('.marker-icon');
    const cls = icon ? icon.className : '';
    const severity = /\berror\b/.test(cls) ? 'error' : /\bwarning\b/.test(cls) ? 'warning' : 'info';
    const where = /Ln (\d+), Col (\d+)/.exec(text(r, '.marker-line'));
    return { index, last, level, kind: 'marker', severity, message: message.textContent.replace(/\u00a0/g, ' ').trim(),
      source: text(r, '.marker-source'), code: text(r, '.marker-code'),
      line: where ? Number(where[1]) : 0, column: where ? Number(where[2]) : 0,
      hasQuickFix: Boolean(r.querySelector('.marker-icon.quickFix') || r.querySelector('.markers-panel-action-quickfix.autofixable')) };
  }).sort((a, b) => a.index - b.index);
})`;

/** The text of a line of the active editor, when the line is rendered (scrolled into view). */
export const READ_EDITOR_LINE = String.raw`(function (line) {
  const editor = document.querySelector('.editor-group-container.active .monaco-editor') || document.querySelector('.monaco-editor');
  if (!editor) return null;
  const numbers = Array.from(editor.querySelectorAll('.margin-view-overlays .line-numbers'));
  const number = numbers.find((n) => n.textContent.trim() === String(line));
  if (!number) return null;
  const top = number.closest('[style*="top"]') ? number.closest('[style*="top"]').style.top : number.parentElement.style.top;
  const row = Array.from(editor.querySelectorAll('.view-lines .view-line')).find((v) => v.style.top === top);
  return row ? row.textContent.replace(/\u00a0/g, ' ') : null;
})`;

/** Notifications: the visible toasts, the notification centre's list (when open), or both. */
export const READ_NOTIFICATIONS = String.raw`(function (where) {
  const sel = where === 'toasts' ? '.notifications-toasts .notification-list-item' : where === 'center' ? '.notifications-center .notification-list-item'
    : '.notifications-toasts .notification-list-item, .notifications-center .notification-list-item';
  const items = Array.from(document.querySelectorAll(sel));
  return items.map((i) => {
    const msg = i.querySelector('.notification-list-item-message');
    const source = i.querySelector('.notification-list-item-source');
    const sev = i.querySelector('.notification-list-item-icon');
    return { message: msg ? msg.textContent.trim() : (i.textContent || '').trim(), source: source ? source.textContent.trim() : '',
      severity: sev ? (/error/.test(sev.className) ? 'error' : /warning/.test(sev.className) ? 'warning' : 'info') : 'info' };
  });
})`;

/** Rows of the tree in the view pane whose header title matches (case-insensitive), as rendered. */
export const READ_TREE_VIEW = String.raw`(function (title) {
  const want = title.toLowerCase();
  const panes = Array.from(document.querySelectorAll('.pane'));
  const pane = panes.find((p) => {
    const h = p.querySelector('.pane-header .title');
    return h && h.textContent.trim().toLowerCase() === want;
  }) || panes.find((p) => {
    const h = p.querySelector('.pane-header');
    return h && (h.getAttribute('aria-label') || h.textContent || '').toLowerCase().includes(want);
  });
  if (!pane) return null;
  // Marks the pane so the harness can address its rows with a selector (e.g. to click a twistie).
  document.querySelectorAll('[data-kpr-e2e-pane]').forEach((p) => p.removeAttribute('data-kpr-e2e-pane'));
  pane.setAttribute('data-kpr-e2e-pane', '1');
  const expanded = pane.classList.contains('expanded');
  const rows = Array.from(pane.querySelectorAll('.pane-body .monaco-list-row'));
  return { expanded, rows: rows.map((r) => {
    const label = r.querySelector('.label-name') || r.querySelector('.monaco-icon-label');
    const desc = r.querySelector('.label-description');
    return { index: Number(r.getAttribute('data-index')), level: Number(r.getAttribute('aria-level') || '0'),
      expanded: r.getAttribute('aria-expanded'), label: label ? label.textContent.trim() : (r.textContent || '').trim(),
      description: desc ? desc.textContent.trim() : '', ariaLabel: r.getAttribute('aria-label') || '' };
  }).sort((a, b) => a.index - b.index), welcome: Array.from(pane.querySelectorAll('.welcome-view-content')).map((w) => w.textContent.trim()).join('\n') };
})`;

/** The text of the visible hover widget, or null. */
export const READ_HOVER = String.raw`(function () {
  const hovers = Array.from(document.querySelectorAll('.monaco-hover')).filter((h) => !h.classList.contains('hidden') && h.offsetParent !== null);
  if (hovers.length === 0) return null;
  return hovers.map((h) => h.innerText).join('\n');
})`;

/** Titles in the open code action menu (Ctrl+.). */
export const READ_CODE_ACTIONS = String.raw`(function () {
  return Array.from(document.querySelectorAll('.action-widget .monaco-list-row.action')).map((r) => {
    const t = r.querySelector('.title');
    return { title: t ? t.textContent.trim() : (r.getAttribute('aria-label') || ''), disabled: r.classList.contains('option-disabled') || r.getAttribute('aria-disabled') === 'true' };
  });
})`;

/** Labels of the rows in the open quick input (Quick Open, command palette). */
export const READ_QUICK_PICK = String.raw`(function () {
  const widget = document.querySelector('.quick-input-widget');
  if (!widget || widget.style.display === 'none') return null;
  return Array.from(widget.querySelectorAll('.quick-input-list .monaco-list-row')).map((r) => {
    const label = r.querySelector('.label-name') || r.querySelector('.monaco-icon-label') || r;
    const desc = r.querySelector('.label-description');
    return { label: label.textContent.replace(/\u00a0/g, ' ').trim(), description: desc ? desc.textContent.trim() : '', aria: r.getAttribute('aria-label') || '' };
  });
})`;

/** The open quick input: its title, whether it is a password box, and the ticked rows of a multi-select pick. */
export const READ_QUICK_INPUT = String.raw`(function () {
  const widget = document.querySelector('.quick-input-widget');
  if (!widget || widget.style.display === 'none' || widget.offsetParent === null) return null;
  const title = widget.querySelector('.quick-input-title');
  const input = widget.querySelector('input.input');
  const message = widget.querySelector('.quick-input-message');
  const rows = Array.from(widget.querySelectorAll('.quick-input-list .monaco-list-row'));
  return { title: title ? title.textContent.trim() : '', password: input ? input.type === 'password' : false,
    placeholder: input ? input.placeholder || '' : '', message: message ? message.textContent.trim() : '',
    checked: rows.filter((r) => r.getAttribute('aria-checked') === 'true' || (r.querySelector('input[type=checkbox]') || {}).checked)
      .map((r) => { const l = r.querySelector('.label-name') || r.querySelector('.monaco-icon-label') || r; return l.textContent.replace(/\u00a0/g, ' ').trim(); }) };
})`;

/** The open modal dialog: its message, detail and button labels, or null. */
export const READ_DIALOG = String.raw`(function () {
  const box = document.querySelector('.monaco-dialog-box');
  if (!box || box.offsetParent === null) return null;
  const msg = box.querySelector('.dialog-message-text');
  const detail = box.querySelector('.dialog-message-detail');
  return { message: msg ? msg.textContent.trim() : '', detail: detail ? detail.textContent.trim() : '',
    buttons: Array.from(box.querySelectorAll('.dialog-buttons .monaco-button')).map((b) => b.textContent.trim()) };
})`;
