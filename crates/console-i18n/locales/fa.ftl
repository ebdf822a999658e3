# واژه‌های کنسول کارخانه به فارسی: همان شناسه‌ها و همان آرگومان‌های en.ftl.
# Plant Console's words in Persian: the same ids and arguments as en.ftl.

## Shared words.

on-off = { $state ->
    [on] روشن
   *[off] خاموش
 }
device-status = { $status ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $status }
 }
link-mode = { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $mode }
 }
duration-seconds = { $s } ثانیه
duration-minutes = { $m } دقیقه
duration-minutes-seconds = { $m } دقیقه و { $s } ثانیه
duration-hours = { $h } ساعت
duration-hours-minutes = { $h } ساعت و { $m } دقیقه

## Alarms.

alarm-device_offline = { $name } برون‌خط است
alarm-device_fault = { $name } خطا گزارش می‌دهد
alarm-limit_high = { $name } از حد بالای خود گذشته است
alarm-limit_low = { $name } از حد پایین خود پایین‌تر است
alarm-link_lost = ارتباط با کارخانه قطع است
alarm-command_failed = فرمان به { $name } اجرا نشد
alarm-bad_value = مقدار نامعتبر از { $name }

## Alerts.

alert-device-appeared-title = دستگاه { $name } پیدا شد
alert-device-appeared-body = { $place } · { $status ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $status }
 } · { $value }{ $unit }
alert-device-appeared-body-no-value = { $place } · { $status ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $status }
 }
alert-device-removed-title = دستگاه { $name } حذف شد
alert-device-removed-body = { $place } · دیگر در فهرست کارخانه نیست
alert-relay-switched-title = رله { $name } { $state ->
    [on] روشن
   *[off] خاموش
 } شد
alert-relay-switched-by-title = رله { $name } به دست { $by } { $state ->
    [on] روشن
   *[off] خاموش
 } شد
alert-relay-switched-body = { $place } · پیش‌تر { $was ->
    [on] روشن
   *[off] خاموش
 } بود
alert-bad-value-device-title = دستگاه { $name }: مقدار نامعتبر از کارخانه
alert-bad-value-relay-title = رله { $name }: مقدار نامعتبر از کارخانه
alert-bad-value-body = { $place } · { $fields } خوانده نشد
alert-device-offline-title = دستگاه { $name } برون‌خط شد
alert-device-fault-title = دستگاه { $name } خطا گزارش می‌دهد
alert-device-standing-offline-title = دستگاه { $name } برون‌خط است
alert-device-online-title = دستگاه { $name } دوباره برخط است
alert-device-status-body = { $place } · پیش‌تر { $was ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $was }
 } بود
alert-device-status-last-body = { $place } · پیش‌تر { $was ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $was }
 } بود · آخرین مقدار { $value }{ $unit }
alert-limit-high-title = { $name } از حد بالای خود گذشت: { $value }{ $unit }
alert-limit-high-body = { $place } · حد بالا { $limit }{ $unit }
alert-limit-low-title = { $name } از حد پایین خود پایین‌تر رفت: { $value }{ $unit }
alert-limit-low-body = { $place } · حد پایین { $limit }{ $unit }
alert-limit-cleared-title = { $name } به محدودهٔ خود بازگشت: { $value }{ $unit }
alert-limit-cleared-high-body = { $place } · بالاتر از { $limit }{ $unit } بود
alert-limit-cleared-low-body = { $place } · پایین‌تر از { $limit }{ $unit } بود
alert-link-restored-title = ارتباط با کارخانه پس از { $duration } برقرار شد
alert-link-restored-body = { $server } · { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $mode }
 }
alert-link-lost-title = ارتباط با کارخانه قطع شد: { $duration } بدون داده
alert-link-lost-body = { $server } · { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $mode }
 } · مقادیر نشان‌داده‌شده آخرین مقادیر شناخته‌شده‌اند
alert-link-lost-detail-body = { $server } · { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $mode }
 }: { $detail } · مقادیر نشان‌داده‌شده آخرین مقادیر شناخته‌شده‌اند
alert-command-failed-title = فرمان { $state ->
    [on] روشن
   *[off] خاموش
 } کردن { $name } ناموفق بود
alert-command-expired-title = فرمان { $state ->
    [on] روشن
   *[off] خاموش
 } کردن { $name } منقضی شد
alert-command-plant-changed-title = فرمان { $state ->
    [on] روشن
   *[off] خاموش
 } کردن { $name } پایان یافت: کارخانه عوض شد
alert-command-failed-body = { $place } · کارخانه آن را اجرا نکرد · درخواست از { $operator }
alert-command-expired-body = { $place } · زمانش پیش از اثر کردن به سر رسید · درخواست از { $operator }
alert-command-plant-changed-body = { $place } · کنسول به کارخانهٔ دیگری جز کارخانهٔ مقصد وصل است · درخواست از { $operator }
alert-command-error-body = { $place } · { $error } · درخواست از { $operator }

## Flood control.

notify-more = { $count } مورد دیگر: { $parts }
notify-summary-title = { $count } هشدار نگه داشته شد

## The tray.

tray-address = سرور { $address } ({ $role ->
    [primary] اصلی
   *[standby] پشتیبان
 }) · { $failovers } جابه‌جایی
tray-tooltip = کنسول کارخانه — { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه — مقادیر تصدیق‌نشده
    [offline] قطع — مقادیر آخرین مقادیر شناخته‌شده‌اند
    [unauthorized] بدون مجوز
   *[other] { $mode }
 }
    { $devices } دستگاه · { $alarms ->
        [0] بدون آلارم تصدیق‌نشده
       *[other] { $alarms } آلارم تصدیق‌نشده
    }
tray-show = نمایش کنسول
tray-mute = بی‌صدا کردن اعلان‌ها برای ۱۵ دقیقه
tray-unmute = باصدا کردن اعلان‌ها
tray-reconnect = اتصال دوباره هم‌اکنون
tray-quit = خروج
tray-window-alarms = پنجرهٔ خلاصهٔ آلارم‌ها
tray-window-overview = پنجرهٔ نمای کلی کارخانه
tray-window-trend = پنجرهٔ روند
window-title-alarms = کنسول کارخانه — خلاصهٔ آلارم‌ها
window-title-overview = کنسول کارخانه — نمای کلی کارخانه
window-title-trend = کنسول کارخانه — روند

## The operator session in the window: who is signed in, signing in and out, the
## re-authentication before a control action.

session-role = { $role ->
    [viewer] بیننده
    [operator] اپراتور
   *[engineer] مهندس
 }
session-who = { $name } ({ $role ->
    [viewer] بیننده
    [operator] اپراتور
   *[engineer] مهندس
 })
session-who-title = واردشده به نام { $name }، { $role ->
    [viewer] بیننده: همه‌چیز را می‌بیند و هیچ فرمانی نمی‌دهد
    [operator] اپراتور: رله‌ها را قطع و وصل می‌کند، هشدارها را تأیید، معلق و بی‌صدا می‌کند
   *[engineer] مهندس: همه‌چیز، از جمله تنظیمات و پیکربندی هشدارها
 }
session-nobody = کسی وارد نشده است — فقط مشاهده
session-nobody-title = بدون ورود کسی هم مشاهده ادامه دارد؛ برای فرمان دادن به کارخانه وارد شوید.
session-sign-in = ورود
session-sign-out = خروج
session-refused = پروندهٔ اپراتورها پذیرفته نشد: { $reason } تا مهندس پرونده را درست نکند، از این کنسول هیچ فرمانی به کارخانه داده نمی‌شود؛ مشاهده ادامه دارد.
session-idle-signed-out = { $name } پس از { $duration } بی‌فعالیتی خارج شد.
session-block-not-signed-in = برای { $action ->
    [switch_relay] قطع و وصل رله‌ها
    [acknowledge] تأیید هشدارها
    [shelve] معلق کردن هشدارها
    [silence] بی‌صدا کردن هشدارها
    [reset_latched] بازنشانی هشدارهای ماندگار
    [out_of_service] خارج کردن دستگاه‌ها از سرویس
    [settings] تغییر تنظیمات
    [alarm_config] تغییر پیکربندی هشدارها
   *[manage_operators] مدیریت اپراتورها
 } وارد شوید
session-block-forbidden = نقش { $role ->
    [viewer] بیننده
    [operator] اپراتور
   *[engineer] مهندس
 } اجازهٔ { $action ->
    [switch_relay] قطع و وصل رله‌ها
    [acknowledge] تأیید هشدارها
    [shelve] معلق کردن هشدارها
    [silence] بی‌صدا کردن هشدارها
    [reset_latched] بازنشانی هشدارهای ماندگار
    [out_of_service] خارج کردن دستگاه‌ها از سرویس
    [settings] تغییر تنظیمات
    [alarm_config] تغییر پیکربندی هشدارها
   *[manage_operators] مدیریت اپراتورها
 } را ندارد
session-block-refused = پروندهٔ اپراتورها پذیرفته نشد: از این کنسول کسی نمی‌تواند به کارخانه فرمان دهد
signin-title = ورود
signin-help = نام و گذرواژهٔ شما، همان‌گونه که مهندس تعریف کرده است. کلید Enter وارد می‌کند.
signin-name = نام
signin-password = گذرواژه
signin-cancel = انصراف
signin-submit = ورود
signin-busy = در حال ورود…
signin-name-required = نام خود را وارد کنید.
signin-password-required = گذرواژهٔ خود را وارد کنید.
signin-bad-credentials = نام یا گذرواژه نادرست است.
signin-locked-out = تلاش‌های ناموفق زیاد بود: ورود به نام { $name } تا { $until } قفل است.
signin-failed = ورود ممکن نشد: { $message }
reauth-title = تأیید هویت
reauth-help = { $name }، برای { $action ->
    [switch_relay] { $state ->
        [on] وصل
       *[off] قطع
     } کردن رلهٔ { $relay }
    [acknowledge] تأیید هشدارها
    [shelve] معلق کردن یا برگرداندن یک هشدار
    [silence] بی‌صدا کردن هشدارها
    [reset_latched] بازنشانی یک هشدار ماندگار
    [out_of_service] خارج کردن دستگاه از سرویس یا بازگرداندن آن
    [settings] تغییر تنظیمات
    [alarm_config] تغییر پیکربندی هشدارها
   *[manage_operators] مدیریت اپراتورها
 } گذرواژه را دوباره وارد کنید.
reauth-password = گذرواژه
reauth-reason = دلیل
reauth-reason-help = { $relay } رله‌ای حیاتی است: بگویید چرا آن را قطع یا وصل می‌کنید. دلیل در ردپای ممیزی ثبت می‌شود.
reauth-password-required = گذرواژهٔ خود را وارد کنید.
reauth-reason-required = رلهٔ حیاتی دلیل لازم دارد.
reauth-cancel = انصراف
reauth-confirm = تأیید
reauth-wrong-password = گذرواژه نادرست است.
reauth-failed = تأیید نشد: { $message }

## Journal entries.

journal-device-status = دستگاه { $name } از { $from ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $from }
 } به { $status ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $status }
 } رفت
journal-device-added = دستگاه { $name } پیدا شد ({ $status ->
    [online] برخط
    [offline] برون‌خط
    [fault] در خطا
   *[other] { $status }
 })
journal-device-removed = دستگاه { $name } حذف شد
journal-relay-switched = رله { $name } { $state ->
    [on] روشن
   *[off] خاموش
 } شد
journal-relay-switched-by = رله { $name } به دست { $by } { $state ->
    [on] روشن
   *[off] خاموش
 } شد
journal-relay-added = رله { $name } پیدا شد ({ $state ->
    [on] روشن
   *[off] خاموش
 })
journal-relay-removed = رله { $name } حذف شد
journal-link = ارتباط از { $from ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $from }
 } به { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $mode }
 } رفت
journal-link-detail = ارتباط از { $from ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $from }
 } به { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $mode }
 } رفت: { $detail }
journal-link-interrupted = ارتباط قطع و وصل شد و دوباره { $mode ->
    [connecting] در حال اتصال
    [realtime] بلادرنگ
    [fallback] پشتیبان HTTP
    [stale] کهنه
    [offline] قطع
    [unauthorized] بدون مجوز
   *[other] { $mode }
 } است
journal-failover = ارتباط از { $from } به { $to } منتقل شد ({ $role ->
    [primary] اصلی
   *[standby] پشتیبان
 })
journal-readable-again = { $what ->
    [device] دستگاه { $name }
    [relay] رله { $name }
   *[stats] ارقام سرور
 }: دوباره خواناست (مقدار درست از کارخانه)
journal-bad-value = { $what ->
    [device] دستگاه { $name }
    [relay] رله { $name }
   *[stats] ارقام سرور
 }: مقدار نامعتبر از کارخانه ({ $fields } خوانده نشد)
journal-still-bad-value = { $what ->
    [device] دستگاه { $name }
    [relay] رله { $name }
   *[stats] ارقام سرور
 }: مقدار نامعتبر از کارخانه (اکنون { $fields } خوانده نشد)

## The alarm journal.

alarm-event = { $event ->
    [activate] فعال شد
    [return] به حالت عادی برگشت
    [acknowledge] تصدیق شد
    [reset] بازنشانی شد
    [shelve] معلق شد
    [unshelve] از تعلیق درآمد
    [remove_from_service] از سرویس خارج شد
    [return_to_service] به سرویس برگشت
    [suppress] مهار شد
    [unsuppress] از مهار درآمد
   *[other] { $event }
 }
alarm-state = { $state ->
    [normal] عادی
    [unack_active] فعال، تصدیق‌نشده
    [ack_active] فعال، تصدیق‌شده
    [unack_returned] برگشته، تصدیق‌نشده
    [latched] ماندگار، نیازمند بازنشانی
    [shelved] معلق
    [out_of_service] خارج از سرویس
    [suppressed] مهارشده طبق طراحی
   *[other] { $state }
 }
alarm-priority = { $priority ->
    [critical] بحرانی
    [high] بالا
    [medium] متوسط
   *[low] پایین
 }
alarm-notification-title = آلارم { $priority ->
    [critical] بحرانی
    [high] بالا
    [medium] متوسط
   *[low] پایین
 }

## Command steps.

journal-command = فرمان { $state ->
    [on] روشن
   *[off] خاموش
 } کردن رله { $relay } ({ $operator }): { $status ->
    [queued] در صف
    [sent] فرستاده شد
    [acked] سرور دریافت کرد
    [confirmed] کارخانه تأیید کرد
    [failed] ناموفق
    [expired] منقضی شد
    [cancelled] لغو شد
    [superseded] فرمان تازه‌تر جایش را گرفت
    [plant_changed] کارخانه عوض شد
   *[other] { $status }
 }
journal-command-detail = فرمان { $state ->
    [on] روشن
   *[off] خاموش
 } کردن رله { $relay } ({ $operator }): { $status ->
    [queued] در صف
    [sent] فرستاده شد
    [acked] سرور دریافت کرد
    [confirmed] کارخانه تأیید کرد
    [failed] ناموفق
    [expired] منقضی شد
    [cancelled] لغو شد
    [superseded] فرمان تازه‌تر جایش را گرفت
    [plant_changed] کارخانه عوض شد
   *[other] { $status }
 } — { $detail }
journal-command-by = فرمان { $state ->
    [on] روشن
   *[off] خاموش
 } کردن رله { $relay } به دست { $person } ({ $role ->
    [viewer] بیننده
    [operator] اپراتور
    [engineer] مهندس
   *[other] { $role }
 }) با کاربر { $operator }: { $status ->
    [queued] در صف
    [sent] فرستاده شد
    [acked] سرور دریافت کرد
    [confirmed] کارخانه تأیید کرد
    [failed] ناموفق
    [expired] منقضی شد
    [cancelled] لغو شد
    [superseded] فرمان تازه‌تر جایش را گرفت
    [plant_changed] کارخانه عوض شد
   *[other] { $status }
 }
journal-command-by-detail = فرمان { $state ->
    [on] روشن
   *[off] خاموش
 } کردن رله { $relay } به دست { $person } ({ $role ->
    [viewer] بیننده
    [operator] اپراتور
    [engineer] مهندس
   *[other] { $role }
 }) با کاربر { $operator }: { $status ->
    [queued] در صف
    [sent] فرستاده شد
    [acked] سرور دریافت کرد
    [confirmed] کارخانه تأیید کرد
    [failed] ناموفق
    [expired] منقضی شد
    [cancelled] لغو شد
    [superseded] فرمان تازه‌تر جایش را گرفت
    [plant_changed] کارخانه عوض شد
   *[other] { $status }
 } — { $detail }
journal-capped = { $count } تغییر دیگرِ { $subject } در یک دقیقه در رویدادنامه نیامد (حداکثر { $cap } در دقیقه برای هر دستگاه یا رله)

## Flood summaries.

alert-count = { $kind ->
    [relay_switched] { $count } تغییر رله
    [device_offline] { $count } دستگاه برون‌خط
    [device_fault] { $count } دستگاه در خطا
    [device_recovered] { $count } دستگاه دوباره برخط
    [device_appeared] { $count } دستگاه تازه
    [device_removed] { $count } دستگاه حذف‌شده
    [limit_high] { $count } گذر از حد بالا
    [limit_low] { $count } گذر از حد پایین
    [limit_cleared] { $count } بازگشت به محدوده
    [link_lost] { $count } قطع ارتباط
    [link_restored] { $count } برقراری دوبارهٔ ارتباط
    [command_failed] { $count } فرمان ناموفق
    [command_expired] { $count } فرمان منقضی
   *[bad_value] { $count } مقدار نامعتبر از کارخانه
 }
notify-summary-body = با هم نشان داده شد تا اعلان‌ها خوانا بمانند؛ همهٔ هشدارها در فهرست هشدارهای کنسول هست.

## Lists.

list-separator = {"، "}

## Marks of an alarm in lists.

alarm-first-out = نخستین
alarm-chattering = پرتکرار
alarm-shelved-until = معلق تا { $until }
