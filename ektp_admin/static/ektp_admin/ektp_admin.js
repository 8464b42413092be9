/* ektp-admin: what Flask-Admin's templates do with inline event handlers
   (onclick="..."), done from this file instead, so the pages run under a
   Content-Security-Policy without 'unsafe-inline' for scripts.

   The plugin's templates mark elements with data attributes:
     data-ektp-confirm="question"  ask before the click goes on (delete a record)
     data-ektp-action="name"       run a bulk action (Flask-Admin's modelActions)
     data-ektp-add-inline="id"     add an inline row (a visit's result, a team's member)
     data-ektp-print               print the page (the mosque sheet)
     data-ektp-noop                a link that only opens or marks something
     data-ektp-date="day"          a date box (dd-mm-yyyy): a calendar opens on it, see below
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

  /* Dates. Flask-Admin's form.js hands its date boxes to bootstrap-daterangepicker
     1.3, which re-reads the box on every key-up leniently and writes its guess back
     (a typed "2016-09-21" becomes "0002-01-01016-09-21"). Our boxes carry no
     data-role, so form.js leaves them alone; the same picker (Flask-Admin ships it
     and moment) is opened here, the first time a box gets the focus, with
     DD-MM-YYYY, the page's month and day names, Monday first, on the box's date or
     the campaign's "today". Typing is never rewritten: a date read whole from the
     box only moves the calendar, and the box is tidied to dd-mm-yyyy when the
     calendar closes. The server reads every accepted form again and explains a
     wrong one, so the box works without the calendar too. */
  var DAY_FORMATS = ['DD-MM-YYYY', 'D-M-YYYY', 'DD/MM/YYYY', 'D/M/YYYY', 'DD.MM.YYYY', 'D.M.YYYY', 'YYYY-MM-DD'];
  var DAY_TOKEN = /\d{1,4}[-\/.]\d{1,2}[-\/.]\d{1,4}/g;

  function readDay(text) {
    var day = window.moment(String(text || '').trim(), DAY_FORMATS, true);
    return day.isValid() ? day : null;
  }

  function readDays(text) {
    var found = String(text || '').match(DAY_TOKEN);
    if (!found || found.length !== 2) {
      return null;
    }
    var first = readDay(found[0]);
    var last = readDay(found[1]);
    if (!first || !last) {
      return null;
    }
    return first.isAfter(last) ? [last, first] : [first, last];
  }

  function calendarSettings(input) {
    var text = input.getAttribute('data-ektp-calendar');
    if (!text) {
      var shared = document.getElementById('ektp-calendar');
      text = shared ? shared.textContent : '';
    }
    try {
      return JSON.parse(text || '{}');
    } catch (e) {
      return {};
    }
  }

  /* 'day', 'days' (a range), or null: a form's date box says so itself; a list
     filter's box (made by Flask-Admin's filters script) is named flt<n>_<arg>, and
     the filter groups on the page give that arg's type. */
  function dateKind(input) {
    if (input.hasAttribute('data-ektp-date')) {
      return input.getAttribute('data-ektp-date') || 'day';
    }
    var match = /^flt\d+_(.+)$/.exec(input.name || '');
    var groups = document.getElementById('filter-groups-data');
    if (!match || !groups || !input.classList.contains('filter-val')) {
      return null;
    }
    var kind = null;
    try {
      var parsed = JSON.parse(groups.textContent);
      Object.keys(parsed).forEach(function (name) {
        parsed[name].forEach(function (flt) {
          if (String(flt.arg) === match[1] && flt.type === 'ektp-day') {
            kind = 'day';
          } else if (String(flt.arg) === match[1] && flt.type === 'ektp-days') {
            kind = 'days';
          }
        });
      });
    } catch (e) {
      return null;
    }
    return kind;
  }

  function openCalendar(input, kind, show) {
    var $ = window.jQuery;
    if (!$ || !$.fn || !$.fn.daterangepicker || !window.moment || $(input).data('daterangepicker')) {
      return; // no picker on this page (or already there): typing works all the same
    }
    var settings = calendarSettings(input);
    var range = kind === 'days';
    var today = readDay(settings.today) || window.moment().startOf('day');
    var pair = range ? readDays(input.value) : null;
    var day = range ? null : readDay(input.value);
    var $input = $(input);
    $input.daterangepicker({
      singleDatePicker: !range,
      showDropdowns: true,
      timePicker: false,
      format: 'DD-MM-YYYY',
      separator: ' - ',
      startDate: pair ? pair[0] : (day || today),
      endDate: pair ? pair[1] : (day || today),
      locale: {
        daysOfWeek: settings.days || window.moment.weekdaysMin(),
        monthNames: settings.months || window.moment.monthsShort(),
        firstDay: typeof settings.firstDay === 'number' ? settings.firstDay : 1,
        applyLabel: settings.apply || 'Apply',
        cancelLabel: settings.cancel || 'Cancel',
        fromLabel: settings.from || 'From',
        toLabel: settings.to || 'To'
      }
    });
    var picker = $input.data('daterangepicker');
    picker.container.addClass('ektp-calendar');
    // The picker's own key-up handler is what scrambles typing: ours only follows.
    $input.off('keyup.daterangepicker');
    var read = function () {
      return range ? readDays(input.value) : readDay(input.value);
    };
    $input.on('keyup.ektp input.ektp', function () {
      var typed = read();
      if (!typed) {
        // Not a whole date (yet): closing the calendar must not put the last one back.
        picker.oldStartDate = picker.startDate.clone();
        picker.oldEndDate = picker.endDate.clone();
        return;
      }
      picker.startDate = (range ? typed[0] : typed).clone().startOf('day');
      picker.endDate = (range ? typed[1] : typed).clone().endOf('day');
      picker.updateView();
      picker.updateCalendars();
    });
    $input.on('hide.daterangepicker', function () {
      var typed = read(); // a date read whole is shown as clerks write it
      if (typed) {
        input.value = range ? typed[0].format('DD-MM-YYYY') + ' - ' + typed[1].format('DD-MM-YYYY')
          : typed.format('DD-MM-YYYY');
      }
    });
    if (show) {
      picker.show();
    }
  }

  document.addEventListener('focusin', function (event) {
    var input = event.target;
    if (!input || input.tagName !== 'INPUT' || input.type !== 'text') {
      return;
    }
    var kind = dateKind(input);
    if (!kind) {
      return;
    }
    // While the page loads, Flask-Admin focuses each active filter's box: those get
    // their calendar set up, opened only when the user comes to the box. A form's
    // box clicked before the page's scripts arrived opens once they are there.
    var byScript = document.readyState === 'loading' && !input.hasAttribute('data-ektp-date');
    var open = function () {
      openCalendar(input, kind, !byScript && document.activeElement === input);
    };
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', open);
    } else {
      open();
    }
  });
}());
