/* ektp-admin: what Flask-Admin's templates do with inline event handlers
   (onclick="..."), done from this file instead, so the pages run under a
   Content-Security-Policy without 'unsafe-inline' for scripts.

   The plugin's templates mark elements with data attributes:
     data-ektp-confirm="question"  ask before the click goes on (delete a record)
     data-ektp-action="name"       run a bulk action (Flask-Admin's modelActions)
     data-ektp-add-inline="id"     add an inline row (a visit's result, a team's member)
     data-ektp-print               print the page (the mosque sheet)
     data-ektp-noop                a link that only opens or marks something
   A link to "javascript:..." (Flask-Admin's pagers and tabs) is never followed:
   the policy would refuse it and say so in the console. */
(function () {
  'use strict';
  if (window.ektpAdminHandlers) {
    return; // the script is on the page twice (layout and screen): bind once
  }
  window.ektpAdminHandlers = true;

  document.addEventListener('click', function (event) {
    var link = event.target.closest('a[href^="javascript:"]');
    if (link) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener('click', function (event) {
    var element = event.target.closest(
      '[data-ektp-confirm], [data-ektp-action], [data-ektp-add-inline], [data-ektp-print], [data-ektp-noop]');
    if (!element) {
      return;
    }
    if (element.hasAttribute('data-ektp-noop')) {
      event.preventDefault();
    }
    if (element.hasAttribute('data-ektp-confirm')) {
      var asked;
      try {
        asked = window.confirm(element.getAttribute('data-ektp-confirm'));
      } catch (e) {
        asked = false;
      }
      if (!asked) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
    }
    if (element.hasAttribute('data-ektp-action')) {
      event.preventDefault();
      window.modelActions.execute(element.getAttribute('data-ektp-action'));
    }
    if (element.hasAttribute('data-ektp-add-inline')) {
      event.preventDefault();
      window.faForm.addInlineField(element, element.getAttribute('data-ektp-add-inline'));
    }
    if (element.hasAttribute('data-ektp-print')) {
      event.preventDefault();
      window.print();
    }
  });
}());
