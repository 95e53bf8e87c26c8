"""Phrase banks of the demo help desk, in English, Russian, Greek and Lithuanian.

The generator combines fragments (an opener in the customer's tone, the problem of the
ticket's category, an optional detail, a closer) so texts vary while staying grammatical.
Within a category, `subject`, `problem` and `solve` are parallel lists: one index gives
a ticket its subject, its description's problem and the answer that solves it; likewise
`ask` and `info` (an agent's question and the customer's answer). `{email}` and
`{fullname}` are the customer's.
`{order}` is replaced by an order or booking number, `{name}` by the customer's first
name, `{agent}` by an agent's first name. `[male|female]` picks the form that agrees
with the speaker's gender (Russian past tense, Greek and Lithuanian adjectives).

Tones: "happy", "neutral", "annoyed", "angry". Rating comments are keyed by what went
wrong ("slow", "unresolved", "transfer", "general") so a low score explains itself.
"""

from __future__ import annotations

import re

LANGUAGES = ("en", "ru", "el", "lt")

_GENDERED = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")


def gendered(text: str, female: bool) -> str:
    """Resolve every `[male|female]` choice in `text` for a speaker of that gender."""
    if "[" not in text:
        return text
    return _GENDERED.sub(lambda m: m.group(2) if female else m.group(1), text)


EN = {
    "subject": {
        "refund": ["Refund not received yet", "Where is my refund for order {order}?", "Request for a refund"],
        "delivery": ["Order {order} has not arrived", "Delivery is late", "Wrong item delivered"],
        "billing": ["Charged twice", "Question about my invoice", "Unexpected charge on my card"],
        "login": ["Can't log in", "Password reset link does not work", "Account locked"],
        "how-to": ["How do I change my address?", "Question about settings", "How to export my data"],
        "bug": ["Error when I try to pay", "App crashes on start", "Page does not load"],
        "booking": ["No confirmation for booking {order}", "Problem with my booking", "Booking shows wrong dates"],
        "cancellation": ["Cancel booking {order}", "Please cancel my subscription", "Cancellation request"],
        "complaint": ["Very disappointed", "Complaint about your service", "Bad experience"],
        "account": ["Change the email on my account", "Delete my account", "Update my company details"],
    },
    "problem": {
        "refund": [
            "I returned the item two weeks ago and still have not received my refund.",
            "You promised a refund for order {order} but nothing has arrived on my card.",
            "I cancelled order {order} and would like my money back.",
        ],
        "delivery": [
            "My order {order} was supposed to arrive on Monday and it is still not here.",
            "The tracking number has not updated for five days.",
            "I received a different product than the one I ordered ({order}).",
        ],
        "billing": [
            "I was charged twice for the same order {order}.",
            "My invoice shows an amount that does not match the price on your site.",
            "There is a charge on my card that I do not recognise.",
        ],
        "login": [
            "I cannot log in to my account, it says the password is wrong.",
            "The password reset email never arrives.",
            "My account got locked after a few attempts to sign in.",
        ],
        "how-to": [
            "How can I change the delivery address on my account?",
            "Where do I find the setting to turn off notifications?",
            "Is there a way to export all my invoices at once?",
        ],
        "bug": [
            "When I press Pay, the page shows an error and nothing happens.",
            "Since the last update the app closes right after I open it.",
            "The page keeps loading forever and never shows my orders.",
        ],
        "booking": [
            "I paid for booking {order} but never got a confirmation email.",
            "My booking {order} shows the wrong dates.",
            "The hotel says they have no reservation under my name.",
        ],
        "cancellation": [
            "I need to cancel booking {order} because my plans changed.",
            "Please cancel my subscription from next month.",
            "I want to cancel and get a refund, how do I do that?",
        ],
        "complaint": [
            "The last three times I contacted you nobody solved my problem.",
            "The person I spoke to on the phone was rude and hung up on me.",
            "I have been a customer for years and this is the worst service I have had.",
        ],
        "account": [
            "Please change the email address on my account to my new one.",
            "I would like to delete my account and all my data.",
            "Our company name and VAT number changed, please update them.",
        ],
    },
    "detail": [
        "I have already tried twice.",
        "It happened again today.",
        "This is the first time I contact you about it.",
        "I need this sorted before the weekend.",
        "A friend of mine had the same problem last month.",
    ],
    "opener": {
        "happy": ["Hi there! Hope you are having a good day.", "Hello! Thanks for the great service so far.", "Hi team, a quick question for you."],
        "neutral": ["Hello,", "Hi,", "Good afternoon,"],
        "annoyed": ["Hello, this is getting frustrating.", "Hi, I have already written about this once.", "Hello, I honestly expected better."],
        "angry": ["This is unacceptable!", "I am extremely angry.", "Third time writing, and still nothing!"],
    },
    "closer": {
        "happy": ["Thanks so much!", "Have a lovely day!", "Many thanks, you are great."],
        "neutral": ["Thank you.", "Thanks in advance.", "Best regards."],
        "annoyed": ["Please sort this out quickly.", "I hope this gets fixed soon.", "Waiting for your answer."],
        "angry": [
            "Fix this NOW or I will go to a competitor.",
            "If this is not solved today I want my money back.",
            "I will leave a bad review everywhere.",
        ],
    },
    "followup": {
        "annoyed": ["Any update on this?", "Hello? Is anyone looking at my request?", "Still waiting for an answer, please."],
        "angry": [
            "Why is nobody answering me?! This is ridiculous.",
            "I have been waiting for days. Terrible service.",
            "Is there anybody there? I need an answer today!",
        ],
    },
    "info": [  # parallel to "ask": the i-th answers the i-th question
        "Sure, the order number is {order}. Screenshot attached.",
        "I used {email}.",
        "I tried again, but it still does not work.",
        "My name is {fullname}, and the order number is {order}.",
    ],
    "impatient": ["Finally.", "That took a while."],
    "reopen": [
        "It is still not working.",
        "The problem is back again.",
        "You closed my ticket but nothing was fixed!",
        "I still have not received anything.",
    ],
    "thanks": ["Thank you, that helped!", "Great, thanks a lot.", "Perfect, all good now."],
    "greet": ["Hi {name},", "Hello {name},", "Dear {name},"],
    "sorry_wait": ["Sorry for the long wait.", "Apologies for the delay in getting back to you.", "Thank you for your patience."],
    "ask": [
        "Could you please send me the order number and a screenshot?",
        "Could you tell me which email address you used?",
        "Could you try again and let me know what you see?",
        "Please confirm your full name and the order number.",
    ],
    "work": [
        "I have passed this to our specialists and will update you as soon as I hear back.",
        "I am looking into this now and will come back to you shortly.",
        "Our technical team is checking this; it may take a few days.",
    ],
    "solve": {  # aligned with "problem": the i-th answer solves the i-th problem
        "refund": [
            "I have checked your return and issued the refund; it should be on your card within 3–5 business days.",
            "The refund for your order was held up at the bank; it has been processed again today.",
            "Your order is cancelled and the money has been sent back to your card.",
        ],
        "delivery": [
            "The courier confirmed your parcel will be delivered tomorrow.",
            "The parcel was stuck at the depot; the courier has it now and the tracking is updated.",
            "I have sent the right item with express delivery at no extra cost; please keep the wrong one.",
        ],
        "billing": [
            "The duplicate charge has been reversed.",
            "I have corrected the invoice and sent you a new copy.",
            "That charge is the renewal of your yearly subscription; I have sent you the receipt.",
        ],
        "login": [
            "I have reset your password and sent you a link to choose a new one.",
            "The reset emails were landing in spam; I have sent a new link from another address.",
            "I have unlocked your account; you can sign in again.",
        ],
        "how-to": [
            "You can change it under Settings → Account → Address.",
            "You can turn them off under Settings → Notifications.",
            "Go to Invoices, choose the period and press Export.",
        ],
        "bug": [
            "Our developers fixed the payment error; please try again.",
            "A fixed version of the app is out; please update it and try again.",
            "The issue was on our side and it is fixed now; the page loads again.",
        ],
        "booking": [
            "I have resent the confirmation to your email.",
            "Your booking dates are corrected now.",
            "I have called the hotel; your reservation under your name is confirmed.",
        ],
        "cancellation": [
            "Your booking is cancelled; the refund will follow in a few days.",
            "Your subscription is cancelled from next month; no further charges will be made.",
            "I have cancelled it for you and started the refund.",
        ],
        "complaint": [
            "I am truly sorry. I have gone through your earlier requests and solved the open issue myself.",
            "I am sorry about that call. I have passed your feedback to the team lead and credited your account.",
            "Thank you for telling us. I have passed your feedback to the team and added a voucher to your account.",
        ],
        "account": [
            "Your email address is updated.",
            "Your account and your data are deleted as requested.",
            "Your company details are updated.",
        ],
    },
    "sorry_reopen": ["I am sorry the problem came back.", "Apologies, it looks like the first fix did not work."],
    "sign": ["Best regards,\n{agent}", "Kind regards,\n{agent}", "Have a nice day,\n{agent}"],
    "note": [
        "Customer contacted us about this before.",
        "Escalated to tier 2, see the internal task.",
        "Checked the payment system: the charge is duplicated.",
        "Handing over to {agent}, my shift ends.",
        "Waiting for an answer from the partner.",
    ],
    "rating_good": [
        "Fast and helpful, thank you!",
        "Great support, problem solved.",
        "Very friendly service.",
        "Quick answer, everything works now.",
        "Excellent service as always.",
    ],
    "rating_bad": {
        "slow": ["Took far too long to get an answer.", "Waited days for a reply.", "Way too slow."],
        "unresolved": ["The problem was not solved the first time.", "Had to write again, and it is still not fixed properly."],
        "transfer": ["I was passed from one person to another.", "Nobody knew who should help me."],
        "general": ["Not helpful at all.", "The answer did not help me.", "Poor service."],
    },
}

RU = {
    "subject": {
        "refund": ["Не получил[|а] возврат денег", "Где мой возврат по заказу {order}?", "Прошу вернуть деньги"],
        "delivery": ["Заказ {order} не доставлен", "Доставка задерживается", "Привезли не тот товар"],
        "billing": ["Списали деньги дважды", "Вопрос по счёту", "Непонятное списание с карты"],
        "login": ["Не могу войти в аккаунт", "Не работает ссылка для сброса пароля", "Аккаунт заблокирован"],
        "how-to": ["Как изменить адрес?", "Вопрос по настройкам", "Как выгрузить данные?"],
        "bug": ["Ошибка при оплате", "Приложение вылетает при запуске", "Страница не загружается"],
        "booking": ["Нет подтверждения бронирования {order}", "Проблема с бронированием", "В брони неправильные даты"],
        "cancellation": ["Отменить бронирование {order}", "Прошу отменить подписку", "Запрос на отмену"],
        "complaint": ["Очень разочарован[|а]", "Жалоба на обслуживание", "Ужасный опыт"],
        "account": ["Смена email в аккаунте", "Удалить мой аккаунт", "Обновить реквизиты компании"],
    },
    "problem": {
        "refund": [
            "Я вернул[|а] товар две недели назад, но деньги так и не пришли.",
            "Вы обещали возврат по заказу {order}, но на карту ничего не поступило.",
            "Я отменил[|а] заказ {order} и хочу получить деньги обратно.",
        ],
        "delivery": [
            "Заказ {order} должен был прийти в понедельник, но его до сих пор нет.",
            "Трек-номер не обновляется уже пять дней.",
            "Мне привезли не тот товар, который я заказывал[|а] ({order}).",
        ],
        "billing": [
            "С меня дважды списали деньги за один и тот же заказ {order}.",
            "Сумма в счёте не совпадает с ценой на сайте.",
            "На карте есть списание, которого я не понимаю.",
        ],
        "login": [
            "Не могу войти в аккаунт, пишет, что пароль неверный.",
            "Письмо для сброса пароля так и не приходит.",
            "После нескольких попыток входа аккаунт заблокировали.",
        ],
        "how-to": [
            "Как поменять адрес доставки в личном кабинете?",
            "Где найти настройку, чтобы отключить уведомления?",
            "Можно ли выгрузить все счета сразу?",
        ],
        "bug": [
            "Когда нажимаю «Оплатить», появляется ошибка и ничего не происходит.",
            "После последнего обновления приложение закрывается сразу после запуска.",
            "Страница бесконечно грузится и не показывает мои заказы.",
        ],
        "booking": [
            "Я оплатил[|а] бронирование {order}, но письмо с подтверждением не пришло.",
            "В бронировании {order} указаны неправильные даты.",
            "В отеле говорят, что на моё имя брони нет.",
        ],
        "cancellation": [
            "Мне нужно отменить бронирование {order}, планы изменились.",
            "Пожалуйста, отмените мою подписку со следующего месяца.",
            "Хочу отменить и вернуть деньги, как это сделать?",
        ],
        "complaint": [
            "Последние три раза, когда я к вам обращал[ся|ась], проблему так никто и не решил.",
            "Сотрудник по телефону нагрубил мне и бросил трубку.",
            "Я ваш клиент уже много лет, и такого плохого сервиса у меня ещё не было.",
        ],
        "account": [
            "Пожалуйста, поменяйте адрес электронной почты в моём аккаунте на новый.",
            "Я хочу удалить аккаунт и все мои данные.",
            "У нашей компании изменились название и ИНН, обновите их, пожалуйста.",
        ],
    },
    "detail": [
        "Я уже пробовал[|а] два раза.",
        "Сегодня это повторилось снова.",
        "Обращаюсь к вам по этому поводу впервые.",
        "Мне нужно решить это до выходных.",
        "У моего друга была такая же проблема в прошлом месяце.",
    ],
    "opener": {
        "happy": ["Добрый день! Спасибо за отличный сервис.", "Здравствуйте! Надеюсь, у вас всё хорошо.", "Привет! Небольшой вопрос."],
        "neutral": ["Здравствуйте.", "Добрый день.", "Здравствуйте!"],
        "annoyed": ["Здравствуйте, это уже начинает раздражать.", "Я уже писал[|а] по этому поводу.", "Честно говоря, ожидал[|а] большего."],
        "angry": ["Это просто безобразие!", "Я крайне возмущ[ён|ена]!", "Пишу уже третий раз, и опять ничего!"],
    },
    "closer": {
        "happy": ["Большое спасибо!", "Хорошего дня!", "Спасибо, вы лучшие."],
        "neutral": ["Спасибо.", "Заранее спасибо.", "С уважением."],
        "annoyed": ["Решите, пожалуйста, побыстрее.", "Надеюсь, это скоро исправят.", "Жду ответа."],
        "angry": [
            "Исправьте немедленно, иначе уйду к конкурентам.",
            "Если сегодня не решите, верните деньги.",
            "Оставлю плохой отзыв везде, где только можно.",
        ],
    },
    "followup": {
        "annoyed": ["Есть новости по моему вопросу?", "Алло, кто-нибудь смотрит мою заявку?", "Всё ещё жду ответа."],
        "angry": [
            "Почему мне никто не отвечает?! Это смешно.",
            "Жду уже несколько дней. Ужасный сервис.",
            "Есть там кто-нибудь? Мне нужен ответ сегодня!",
        ],
    },
    "info": [
        "Конечно, номер заказа {order}, скриншот прилагаю.",
        "Я использовал[|а] адрес {email}.",
        "Попробовал[|а] ещё раз, но всё равно не работает.",
        "Меня зовут {fullname}, номер заказа {order}.",
    ],
    "impatient": ["Наконец-то.", "Долго же вы отвечали."],
    "reopen": [
        "Всё ещё не работает.",
        "Проблема снова появилась.",
        "Вы закрыли заявку, но ничего не исправлено!",
        "Я до сих пор ничего не получил[|а].",
    ],
    "thanks": ["Спасибо, помогло!", "Отлично, большое спасибо.", "Всё, теперь работает."],
    "greet": ["Здравствуйте, {name}!", "Добрый день, {name}!", "Здравствуйте!"],
    "sorry_wait": ["Извините за долгое ожидание.", "Приносим извинения за задержку с ответом.", "Спасибо за терпение."],
    "ask": [
        "Пришлите, пожалуйста, номер заказа и скриншот.",
        "Подскажите, какой адрес электронной почты вы использовали?",
        "Попробуйте ещё раз и напишите, что вы видите.",
        "Уточните, пожалуйста, ваше полное имя и номер заказа.",
    ],
    "work": [
        "Ваш вопрос передан специалистам, сообщим, как только получим ответ.",
        "Уже разбираемся и скоро вернёмся с ответом.",
        "Наши технические специалисты проверяют проблему, это может занять несколько дней.",
    ],
    "solve": {
        "refund": [
            "Мы проверили возвращённый товар и оформили возврат денег, они поступят на карту в течение 3–5 рабочих дней.",
            "Возврат по вашему заказу задержался в банке, сегодня он проведён повторно.",
            "Заказ отменён, деньги отправлены обратно на вашу карту.",
        ],
        "delivery": [
            "Курьерская служба подтвердила, что посылку доставят завтра.",
            "Посылка задержалась на складе, теперь она у курьера, и трек-номер обновился.",
            "Правильный товар отправлен экспресс-доставкой бесплатно, ошибочный можете оставить себе.",
        ],
        "billing": [
            "Двойное списание отменено.",
            "Счёт исправлен, новая копия отправлена вам на почту.",
            "Это списание — продление вашей годовой подписки, квитанция отправлена вам на почту.",
        ],
        "login": [
            "Пароль сброшен, ссылка для создания нового отправлена вам на почту.",
            "Письма для сброса попадали в спам, новая ссылка отправлена с другого адреса.",
            "Аккаунт разблокирован, можно снова входить.",
        ],
        "how-to": [
            "Адрес можно изменить в разделе Настройки → Аккаунт → Адрес.",
            "Уведомления отключаются в разделе Настройки → Уведомления.",
            "Откройте раздел «Счета», выберите период и нажмите «Экспорт».",
        ],
        "bug": [
            "Разработчики исправили ошибку оплаты, попробуйте ещё раз.",
            "Вышла исправленная версия приложения, обновите его и попробуйте снова.",
            "Проблема была на нашей стороне, сейчас всё исправлено, и страница снова загружается.",
        ],
        "booking": [
            "Подтверждение повторно отправлено вам на почту.",
            "Даты в вашем бронировании исправлены.",
            "Мы связались с отелем, бронь на ваше имя подтверждена.",
        ],
        "cancellation": [
            "Бронирование отменено, деньги вернутся в течение нескольких дней.",
            "Подписка отменена со следующего месяца, больше списаний не будет.",
            "Мы всё отменили за вас и оформили возврат денег.",
        ],
        "complaint": [
            "Нам очень жаль. Мы просмотрели ваши прошлые обращения и сами решили открытый вопрос.",
            "Приносим извинения за этот звонок. Ваш отзыв передан руководителю команды, а на ваш счёт начислена компенсация.",
            "Спасибо, что сообщили. Ваш отзыв передан команде, а на ваш счёт начислен купон.",
        ],
        "account": [
            "Адрес электронной почты обновлён.",
            "Ваш аккаунт и данные удалены, как вы просили.",
            "Реквизиты компании обновлены.",
        ],
    },
    "sorry_reopen": ["Очень жаль, что проблема вернулась.", "Извините, похоже, первое решение не помогло."],
    "sign": ["С уважением,\n{agent}", "Всего доброго,\n{agent}", "Хорошего дня,\n{agent}"],
    "note": [
        "Клиент уже обращался с этим вопросом.",
        "Эскалировано на вторую линию, см. внутреннюю задачу.",
        "Проверил[|а] платёжную систему: списание задвоилось.",
        "Передаю заявку коллеге ({agent}), у меня заканчивается смена.",
        "Ждём ответа от партнёра.",
    ],
    "rating_good": [
        "Быстро и по делу, спасибо!",
        "Отличная поддержка, проблема решена.",
        "Очень вежливое обслуживание.",
        "Быстро ответили, теперь всё работает.",
        "Как всегда, отличный сервис.",
    ],
    "rating_bad": {
        "slow": ["Слишком долго ждал[|а] ответа.", "Ответа ждал[|а] несколько дней.", "Очень медленно."],
        "unresolved": ["С первого раза проблему не решили.", "Пришлось писать ещё раз, и до конца так и не исправили."],
        "transfer": ["Меня перекидывали от одного сотрудника к другому.", "Никто не знал, кто должен мне помочь."],
        "general": ["Совсем не помогли.", "Ответ мне не помог.", "Плохой сервис."],
    },
}

EL = {
    "subject": {
        "refund": ["Δεν έλαβα ακόμη την επιστροφή χρημάτων", "Πού είναι η επιστροφή για την παραγγελία {order};", "Αίτημα επιστροφής χρημάτων"],
        "delivery": ["Η παραγγελία {order} δεν έχει φτάσει", "Καθυστέρηση παράδοσης", "Μου στείλατε λάθος προϊόν"],
        "billing": ["Χρεώθηκα δύο φορές", "Ερώτηση για το τιμολόγιό μου", "Άγνωστη χρέωση στην κάρτα μου"],
        "login": ["Δεν μπορώ να συνδεθώ", "Ο σύνδεσμος επαναφοράς κωδικού δεν λειτουργεί", "Ο λογαριασμός μου κλειδώθηκε"],
        "how-to": ["Πώς αλλάζω τη διεύθυνσή μου;", "Ερώτηση για τις ρυθμίσεις", "Πώς μπορώ να εξαγάγω τα δεδομένα μου;"],
        "bug": ["Σφάλμα κατά την πληρωμή", "Η εφαρμογή κλείνει μόλις την ανοίξω", "Η σελίδα δεν φορτώνει"],
        "booking": ["Δεν έλαβα επιβεβαίωση για την κράτηση {order}", "Πρόβλημα με την κράτησή μου", "Λάθος ημερομηνίες στην κράτηση"],
        "cancellation": ["Ακύρωση της κράτησης {order}", "Παρακαλώ ακυρώστε τη συνδρομή μου", "Αίτημα ακύρωσης"],
        "complaint": ["Πολύ απογοητευμέν[ος|η]", "Παράπονο για την εξυπηρέτηση", "Κακή εμπειρία"],
        "account": ["Αλλαγή email στον λογαριασμό μου", "Διαγραφή του λογαριασμού μου", "Ενημέρωση στοιχείων εταιρείας"],
    },
    "problem": {
        "refund": [
            "Επέστρεψα το προϊόν πριν από δύο εβδομάδες και ακόμη δεν έχω λάβει τα χρήματά μου.",
            "Μου υποσχεθήκατε επιστροφή χρημάτων για την παραγγελία {order}, αλλά δεν έχει έρθει τίποτα στην κάρτα μου.",
            "Ακύρωσα την παραγγελία {order} και θέλω πίσω τα χρήματά μου.",
        ],
        "delivery": [
            "Η παραγγελία {order} έπρεπε να έρθει τη Δευτέρα και ακόμη δεν έχει φτάσει.",
            "Ο αριθμός αποστολής δεν έχει ενημερωθεί εδώ και πέντε μέρες.",
            "Έλαβα διαφορετικό προϊόν από αυτό που παρήγγειλα ({order}).",
        ],
        "billing": [
            "Με χρεώσατε δύο φορές για την ίδια παραγγελία {order}.",
            "Το ποσό στο τιμολόγιο δεν ταιριάζει με την τιμή στην ιστοσελίδα σας.",
            "Υπάρχει μια χρέωση στην κάρτα μου που δεν αναγνωρίζω.",
        ],
        "login": [
            "Δεν μπορώ να συνδεθώ στον λογαριασμό μου, λέει ότι ο κωδικός είναι λάθος.",
            "Το email για την επαναφορά κωδικού δεν έρχεται ποτέ.",
            "Ο λογαριασμός μου κλειδώθηκε μετά από μερικές προσπάθειες σύνδεσης.",
        ],
        "how-to": [
            "Πώς μπορώ να αλλάξω τη διεύθυνση παράδοσης στον λογαριασμό μου;",
            "Πού βρίσκω τη ρύθμιση για να απενεργοποιήσω τις ειδοποιήσεις;",
            "Υπάρχει τρόπος να κατεβάσω όλα τα τιμολόγια μαζί;",
        ],
        "bug": [
            "Όταν πατάω «Πληρωμή», εμφανίζεται σφάλμα και δεν γίνεται τίποτα.",
            "Από την τελευταία ενημέρωση η εφαρμογή κλείνει αμέσως μόλις την ανοίξω.",
            "Η σελίδα φορτώνει συνέχεια και δεν δείχνει ποτέ τις παραγγελίες μου.",
        ],
        "booking": [
            "Πλήρωσα την κράτηση {order}, αλλά δεν έλαβα ποτέ email επιβεβαίωσης.",
            "Η κράτηση {order} δείχνει λάθος ημερομηνίες.",
            "Το ξενοδοχείο λέει ότι δεν υπάρχει κράτηση στο όνομά μου.",
        ],
        "cancellation": [
            "Πρέπει να ακυρώσω την κράτηση {order} γιατί άλλαξαν τα σχέδιά μου.",
            "Παρακαλώ ακυρώστε τη συνδρομή μου από τον επόμενο μήνα.",
            "Θέλω να ακυρώσω και να πάρω πίσω τα χρήματα· πώς γίνεται;",
        ],
        "complaint": [
            "Τις τρεις τελευταίες φορές που επικοινώνησα μαζί σας κανείς δεν έλυσε το πρόβλημά μου.",
            "Ο υπάλληλος στο τηλέφωνο ήταν αγενής και μου έκλεισε το τηλέφωνο.",
            "Είμαι [πελάτης|πελάτισσα] σας χρόνια και αυτή είναι η χειρότερη εξυπηρέτηση που έχω δει.",
        ],
        "account": [
            "Παρακαλώ αλλάξτε τη διεύθυνση email του λογαριασμού μου στη νέα.",
            "Θέλω να διαγράψω τον λογαριασμό μου και όλα τα δεδομένα μου.",
            "Άλλαξαν η επωνυμία και το ΑΦΜ της εταιρείας μας, παρακαλώ ενημερώστε τα.",
        ],
    },
    "detail": [
        "Έχω ήδη δοκιμάσει δύο φορές.",
        "Συνέβη ξανά σήμερα.",
        "Είναι η πρώτη φορά που επικοινωνώ μαζί σας γι' αυτό.",
        "Πρέπει να λυθεί πριν από το Σαββατοκύριακο.",
        "Ένας φίλος μου είχε το ίδιο πρόβλημα τον προηγούμενο μήνα.",
    ],
    "opener": {
        "happy": ["Γεια σας! Ελπίζω να έχετε μια όμορφη μέρα.", "Καλημέρα! Ευχαριστώ για την εξαιρετική εξυπηρέτηση μέχρι τώρα.", "Γεια σας, μια γρήγορη ερώτηση."],
        "neutral": ["Καλησπέρα σας,", "Γεια σας,", "Καλημέρα σας,"],
        "annoyed": ["Καλησπέρα, αυτό αρχίζει να γίνεται εκνευριστικό.", "Γεια σας, σας έχω ξαναγράψει γι' αυτό.", "Ειλικρινά περίμενα καλύτερα."],
        "angry": ["Αυτό είναι απαράδεκτο!", "Είμαι εξαιρετικά θυμωμέν[ος|η]!", "Τρίτη φορά σας γράφω και ακόμη τίποτα!"],
    },
    "closer": {
        "happy": ["Ευχαριστώ πολύ!", "Να έχετε μια υπέροχη μέρα!", "Σας ευχαριστώ, είστε υπέροχοι."],
        "neutral": ["Ευχαριστώ.", "Ευχαριστώ εκ των προτέρων.", "Με εκτίμηση."],
        "annoyed": ["Παρακαλώ λύστε το γρήγορα.", "Ελπίζω να διορθωθεί σύντομα.", "Περιμένω την απάντησή σας."],
        "angry": [
            "Διορθώστε το ΤΩΡΑ, αλλιώς πάω σε άλλη εταιρεία.",
            "Αν δεν λυθεί σήμερα, θέλω πίσω τα χρήματά μου.",
            "Θα γράψω κακή κριτική παντού.",
        ],
    },
    "followup": {
        "annoyed": ["Υπάρχει κάποια ενημέρωση;", "Κοιτάζει κανείς το αίτημά μου;", "Περιμένω ακόμη απάντηση, παρακαλώ."],
        "angry": [
            "Γιατί δεν μου απαντάει κανείς; Είναι γελοίο!",
            "Περιμένω μέρες. Απαίσια εξυπηρέτηση.",
            "Είναι κανείς εκεί; Χρειάζομαι απάντηση σήμερα!",
        ],
    },
    "info": [
        "Βεβαίως, ο αριθμός παραγγελίας είναι {order}, επισυνάπτω στιγμιότυπο οθόνης.",
        "Χρησιμοποίησα το {email}.",
        "Δοκίμασα ξανά, αλλά ακόμη δεν λειτουργεί.",
        "Ονομάζομαι {fullname} και ο αριθμός παραγγελίας είναι {order}.",
    ],
    "impatient": ["Επιτέλους.", "Αργήσατε πολύ να απαντήσετε."],
    "reopen": [
        "Ακόμη δεν λειτουργεί.",
        "Το πρόβλημα εμφανίστηκε ξανά.",
        "Κλείσατε το αίτημά μου, αλλά δεν διορθώθηκε τίποτα!",
        "Ακόμη δεν έχω λάβει τίποτα.",
    ],
    "thanks": ["Ευχαριστώ, με βοηθήσατε!", "Τέλεια, ευχαριστώ πολύ.", "Εντάξει, όλα λειτουργούν τώρα."],
    "greet": ["Γεια σας,", "Καλημέρα σας,", "Καλησπέρα σας,"],
    "sorry_wait": ["Ζητούμε συγγνώμη για την καθυστέρηση.", "Συγγνώμη για την αναμονή.", "Σας ευχαριστούμε για την υπομονή σας."],
    "ask": [
        "Μπορείτε να μου στείλετε τον αριθμό παραγγελίας και ένα στιγμιότυπο οθόνης;",
        "Μπορείτε να μου πείτε ποιο email χρησιμοποιήσατε;",
        "Δοκιμάστε ξανά και πείτε μου τι βλέπετε.",
        "Παρακαλώ επιβεβαιώστε το ονοματεπώνυμό σας και τον αριθμό παραγγελίας.",
    ],
    "work": [
        "Προώθησα το αίτημά σας στους ειδικούς μας και θα σας ενημερώσω μόλις μάθω κάτι.",
        "Το εξετάζω τώρα και θα επανέλθω σύντομα.",
        "Η τεχνική μας ομάδα το ελέγχει· μπορεί να χρειαστούν μερικές μέρες.",
    ],
    "solve": {
        "refund": [
            "Ελέγξαμε το προϊόν που επιστρέψατε και κάναμε την επιστροφή χρημάτων· θα εμφανιστεί στην κάρτα σας σε 3–5 εργάσιμες.",
            "Η επιστροφή για την παραγγελία σας καθυστέρησε στην τράπεζα· σήμερα έγινε ξανά.",
            "Η παραγγελία ακυρώθηκε και τα χρήματα επιστράφηκαν στην κάρτα σας.",
        ],
        "delivery": [
            "Η εταιρεία courier επιβεβαίωσε ότι το δέμα θα παραδοθεί αύριο.",
            "Το δέμα είχε κολλήσει στην αποθήκη· τώρα το έχει ο courier και η αποστολή ενημερώθηκε.",
            "Σας στείλαμε το σωστό προϊόν με express αποστολή χωρίς επιπλέον χρέωση· το λάθος μπορείτε να το κρατήσετε.",
        ],
        "billing": [
            "Η διπλή χρέωση ακυρώθηκε.",
            "Διορθώσαμε το τιμολόγιο και σας στείλαμε νέο αντίγραφο.",
            "Η χρέωση αυτή είναι η ανανέωση της ετήσιας συνδρομής σας· σας στείλαμε την απόδειξη.",
        ],
        "login": [
            "Επαναφέραμε τον κωδικό σας και σας στείλαμε σύνδεσμο για να ορίσετε νέο.",
            "Τα email επαναφοράς πήγαιναν στα ανεπιθύμητα· σας στείλαμε νέο σύνδεσμο από άλλη διεύθυνση.",
            "Ξεκλειδώσαμε τον λογαριασμό σας· μπορείτε να συνδεθείτε ξανά.",
        ],
        "how-to": [
            "Μπορείτε να την αλλάξετε από Ρυθμίσεις → Λογαριασμός → Διεύθυνση.",
            "Μπορείτε να τις απενεργοποιήσετε από Ρυθμίσεις → Ειδοποιήσεις.",
            "Πηγαίνετε στα Τιμολόγια, επιλέξτε την περίοδο και πατήστε Εξαγωγή.",
        ],
        "bug": [
            "Οι προγραμματιστές μας διόρθωσαν το σφάλμα πληρωμής· δοκιμάστε ξανά.",
            "Κυκλοφόρησε διορθωμένη έκδοση της εφαρμογής· ενημερώστε την και δοκιμάστε ξανά.",
            "Το πρόβλημα ήταν από τη δική μας πλευρά και διορθώθηκε· η σελίδα φορτώνει ξανά.",
        ],
        "booking": [
            "Σας ξαναστείλαμε την επιβεβαίωση στο email σας.",
            "Οι ημερομηνίες της κράτησής σας διορθώθηκαν.",
            "Επικοινωνήσαμε με το ξενοδοχείο· η κράτηση στο όνομά σας επιβεβαιώθηκε.",
        ],
        "cancellation": [
            "Η κράτηση ακυρώθηκε· τα χρήματα θα επιστραφούν σε λίγες μέρες.",
            "Η συνδρομή σας ακυρώνεται από τον επόμενο μήνα· δεν θα γίνει καμία άλλη χρέωση.",
            "Την ακυρώσαμε για εσάς και ξεκινήσαμε την επιστροφή χρημάτων.",
        ],
        "complaint": [
            "Λυπούμαστε πραγματικά. Εξετάσαμε τα προηγούμενα αιτήματά σας και λύσαμε το θέμα που εκκρεμούσε.",
            "Ζητούμε συγγνώμη για εκείνη την κλήση. Μεταφέραμε τα σχόλιά σας στον υπεύθυνο της ομάδας και πιστώσαμε τον λογαριασμό σας.",
            "Ευχαριστούμε που μας ενημερώσατε. Μεταφέραμε τα σχόλιά σας στην ομάδα και σας δώσαμε ένα κουπόνι.",
        ],
        "account": [
            "Η διεύθυνση email σας ενημερώθηκε.",
            "Ο λογαριασμός και τα δεδομένα σας διαγράφηκαν όπως ζητήσατε.",
            "Τα στοιχεία της εταιρείας σας ενημερώθηκαν.",
        ],
    },
    "sorry_reopen": ["Λυπάμαι που το πρόβλημα επανεμφανίστηκε.", "Συγγνώμη, φαίνεται ότι η πρώτη λύση δεν λειτούργησε."],
    "sign": ["Με εκτίμηση,\n{agent}", "Φιλικά,\n{agent}", "Καλή συνέχεια,\n{agent}"],
    "note": [
        "Ο πελάτης έχει επικοινωνήσει ξανά για το ίδιο θέμα.",
        "Κλιμάκωση στο δεύτερο επίπεδο, δείτε την εσωτερική εργασία.",
        "Έλεγξα το σύστημα πληρωμών: η χρέωση έγινε δύο φορές.",
        "Το παραδίδω σε συνάδελφο ({agent}), τελειώνει η βάρδιά μου.",
        "Περιμένουμε απάντηση από τον συνεργάτη.",
    ],
    "rating_good": [
        "Γρήγορη και χρήσιμη βοήθεια, ευχαριστώ!",
        "Εξαιρετική υποστήριξη, το πρόβλημα λύθηκε.",
        "Πολύ ευγενική εξυπηρέτηση.",
        "Γρήγορη απάντηση, όλα λειτουργούν τώρα.",
        "Άψογη εξυπηρέτηση όπως πάντα.",
    ],
    "rating_bad": {
        "slow": ["Άργησε πάρα πολύ να έρθει απάντηση.", "Περίμενα μέρες για μια απάντηση.", "Πολύ αργά."],
        "unresolved": ["Το πρόβλημα δεν λύθηκε την πρώτη φορά.", "Χρειάστηκε να ξαναγράψω, και ακόμη δεν διορθώθηκε σωστά."],
        "transfer": ["Με πήγαιναν από τον έναν στον άλλον.", "Κανείς δεν ήξερε ποιος πρέπει να με βοηθήσει."],
        "general": ["Καθόλου χρήσιμο.", "Η απάντηση δεν με βοήθησε.", "Κακή εξυπηρέτηση."],
    },
}

LT = {
    "subject": {
        "refund": ["Negavau pinigų grąžinimo", "Kur mano pinigai už užsakymą {order}?", "Prašau grąžinti pinigus"],
        "delivery": ["Užsakymas {order} neatkeliavo", "Vėluoja pristatymas", "Atsiuntėte ne tą prekę"],
        "billing": ["Nuskaičiuota du kartus", "Klausimas dėl sąskaitos", "Neaiškus mokėjimas kortelėje"],
        "login": ["Negaliu prisijungti", "Neveikia slaptažodžio atkūrimo nuoroda", "Paskyra užblokuota"],
        "how-to": ["Kaip pakeisti adresą?", "Klausimas dėl nustatymų", "Kaip eksportuoti duomenis?"],
        "bug": ["Klaida mokant", "Programėlė užsidaro vos paleidus", "Puslapis neužsikrauna"],
        "booking": ["Negavau rezervacijos {order} patvirtinimo", "Problema su rezervacija", "Rezervacijoje neteisingos datos"],
        "cancellation": ["Atšaukti rezervaciją {order}", "Prašau nutraukti prenumeratą", "Prašymas atšaukti"],
        "complaint": ["Labai nusivyliau", "Skundas dėl aptarnavimo", "Bloga patirtis"],
        "account": ["Pakeisti el. paštą paskyroje", "Ištrinti mano paskyrą", "Atnaujinti įmonės duomenis"],
    },
    "problem": {
        "refund": [
            "Prekę grąžinau prieš dvi savaites, bet pinigų vis dar negavau.",
            "Žadėjote grąžinti pinigus už užsakymą {order}, bet į kortelę nieko negrįžo.",
            "Atšaukiau užsakymą {order} ir noriu atgauti pinigus.",
        ],
        "delivery": [
            "Užsakymas {order} turėjo atkeliauti pirmadienį, bet jo vis dar nėra.",
            "Siuntos sekimo informacija neatsinaujina jau penkias dienas.",
            "Gavau ne tą prekę, kurią užsakiau ({order}).",
        ],
        "billing": [
            "Už tą patį užsakymą {order} nuskaičiavote pinigus du kartus.",
            "Sąskaitoje nurodyta suma nesutampa su kaina jūsų svetainėje.",
            "Kortelėje matau mokėjimą, kurio neatpažįstu.",
        ],
        "login": [
            "Negaliu prisijungti prie paskyros, rašo, kad slaptažodis neteisingas.",
            "Slaptažodžio atkūrimo laiškas taip ir neateina.",
            "Po kelių bandymų prisijungti mano paskyra buvo užblokuota.",
        ],
        "how-to": [
            "Kaip paskyroje pakeisti pristatymo adresą?",
            "Kur rasti nustatymą pranešimams išjungti?",
            "Ar galima iš karto atsisiųsti visas sąskaitas?",
        ],
        "bug": [
            "Paspaudus „Apmokėti“ rodoma klaida ir nieko nevyksta.",
            "Po paskutinio atnaujinimo programėlė užsidaro vos ją atidarius.",
            "Puslapis kraunasi be galo ir nerodo mano užsakymų.",
        ],
        "booking": [
            "Sumokėjau už rezervaciją {order}, bet patvirtinimo laiško negavau.",
            "Rezervacijoje {order} nurodytos neteisingos datos.",
            "Viešbutyje sako, kad mano vardu rezervacijos nėra.",
        ],
        "cancellation": [
            "Turiu atšaukti rezervaciją {order}, nes pasikeitė planai.",
            "Prašau nutraukti mano prenumeratą nuo kito mėnesio.",
            "Noriu atšaukti ir atgauti pinigus, kaip tai padaryti?",
        ],
        "complaint": [
            "Paskutinius tris kartus, kai kreipiausi, niekas neišsprendė mano problemos.",
            "Darbuotojas telefonu buvo nemandagus ir padėjo ragelį.",
            "Esu jūsų klient[as|ė] jau daug metų, ir tai blogiausias aptarnavimas, kokį esu patyr[ęs|usi].",
        ],
        "account": [
            "Prašau pakeisti mano paskyros el. pašto adresą į naują.",
            "Noriu ištrinti paskyrą ir visus savo duomenis.",
            "Pasikeitė mūsų įmonės pavadinimas ir PVM kodas, prašau juos atnaujinti.",
        ],
    },
    "detail": [
        "Jau bandžiau du kartus.",
        "Šiandien tai vėl pasikartojo.",
        "Dėl šio klausimo kreipiuosi pirmą kartą.",
        "Man reikia tai išspręsti iki savaitgalio.",
        "Mano draugas turėjo tokią pačią problemą praėjusį mėnesį.",
    ],
    "opener": {
        "happy": ["Sveiki! Gražios jums dienos.", "Laba diena! Ačiū už puikų aptarnavimą iki šiol.", "Sveiki, turiu trumpą klausimą."],
        "neutral": ["Laba diena,", "Sveiki,", "Labas vakaras,"],
        "annoyed": ["Laba diena, tai jau pradeda erzinti.", "Sveiki, dėl to jau rašiau.", "Tikrai tikėjausi daugiau."],
        "angry": ["Tai nepriimtina!", "Esu labai pikt[as|a]!", "Rašau jau trečią kartą, o vis dar nieko!"],
    },
    "closer": {
        "happy": ["Labai ačiū!", "Gražios dienos!", "Dėkoju, jūs puikūs."],
        "neutral": ["Ačiū.", "Iš anksto dėkoju.", "Pagarbiai."],
        "annoyed": ["Prašau tai greitai sutvarkyti.", "Tikiuosi, kad greitai išspręsite.", "Laukiu atsakymo."],
        "angry": [
            "Sutvarkykite TUOJ PAT, kitaip pereisiu pas konkurentus.",
            "Jei šiandien neišspręsite, grąžinkite pinigus.",
            "Parašysiu blogą atsiliepimą visur, kur tik galiu.",
        ],
    },
    "followup": {
        "annoyed": ["Ar yra kokių naujienų?", "Ar kas nors žiūri mano užklausą?", "Vis dar laukiu atsakymo."],
        "angry": [
            "Kodėl niekas man neatsako?! Juokinga.",
            "Laukiu jau kelias dienas. Siaubingas aptarnavimas.",
            "Ar ten kas nors yra? Man reikia atsakymo šiandien!",
        ],
    },
    "info": [
        "Žinoma, užsakymo numeris {order}, pridedu ekrano nuotrauką.",
        "Naudojau {email}.",
        "Pabandžiau dar kartą, bet vis tiek neveikia.",
        "Mano vardas ir pavardė – {fullname}, užsakymo numeris {order}.",
    ],
    "impatient": ["Pagaliau.", "Ilgai užtrukote atsakyti."],
    "reopen": [
        "Vis dar neveikia.",
        "Problema vėl atsirado.",
        "Uždarėte užklausą, bet niekas nesutvarkyta!",
        "Vis dar nieko negavau.",
    ],
    "thanks": ["Ačiū, padėjo!", "Puiku, labai ačiū.", "Viskas, dabar veikia."],
    "greet": ["Laba diena,", "Sveiki,", "Labas,"],
    "sorry_wait": ["Atsiprašome, kad teko ilgai laukti.", "Atsiprašome, kad vėluojame atsakyti.", "Dėkojame už kantrybę."],
    "ask": [
        "Gal galėtumėte atsiųsti užsakymo numerį ir ekrano nuotrauką?",
        "Kokį el. pašto adresą naudojote?",
        "Pabandykite dar kartą ir parašykite, ką matote.",
        "Prašome patikslinti vardą, pavardę ir užsakymo numerį.",
    ],
    "work": [
        "Perdaviau jūsų klausimą specialistams ir pranešiu, kai tik gausiu atsakymą.",
        "Jau aiškinuosi ir netrukus atsakysiu.",
        "Mūsų techninė komanda tikrina problemą, tai gali užtrukti kelias dienas.",
    ],
    "solve": {
        "refund": [
            "Patikrinome jūsų grąžintą prekę ir grąžinome pinigus, jūsų kortelėje jie bus per 3–5 darbo dienas.",
            "Pinigų grąžinimas už jūsų užsakymą užstrigo banke, šiandien jį atlikome iš naujo.",
            "Užsakymas atšauktas, pinigai grąžinti į jūsų kortelę.",
        ],
        "delivery": [
            "Kurjerių tarnyba patvirtino, kad siuntą pristatys rytoj.",
            "Siunta buvo užstrigusi sandėlyje, dabar ją turi kurjeris, o sekimo informacija atnaujinta.",
            "Tinkamą prekę išsiuntėme skubiu pristatymu be papildomo mokesčio, o netinkamą galite pasilikti.",
        ],
        "billing": [
            "Dvigubas nuskaičiavimas atšauktas.",
            "Pataisėme sąskaitą ir išsiuntėme jums naują kopiją.",
            "Šis mokėjimas – jūsų metinės prenumeratos pratęsimas, kvitą išsiuntėme el. paštu.",
        ],
        "login": [
            "Atkūrėme jūsų slaptažodį ir atsiuntėme nuorodą naujam slaptažodžiui sukurti.",
            "Atkūrimo laiškai patekdavo į šlamšto aplanką, naują nuorodą išsiuntėme iš kito adreso.",
            "Atblokavome jūsų paskyrą, galite vėl prisijungti.",
        ],
        "how-to": [
            "Adresą galite pakeisti skiltyje Nustatymai → Paskyra → Adresas.",
            "Pranešimus galite išjungti skiltyje Nustatymai → Pranešimai.",
            "Atidarykite skiltį „Sąskaitos“, pasirinkite laikotarpį ir spauskite „Eksportuoti“.",
        ],
        "bug": [
            "Mūsų programuotojai ištaisė mokėjimo klaidą, pabandykite dar kartą.",
            "Išleista pataisyta programėlės versija, atnaujinkite ją ir pabandykite dar kartą.",
            "Problema buvo mūsų pusėje, ji jau išspręsta, ir puslapis vėl kraunasi.",
        ],
        "booking": [
            "Patvirtinimą pakartotinai išsiuntėme jūsų el. paštu.",
            "Jūsų rezervacijos datos pataisytos.",
            "Susisiekėme su viešbučiu, rezervacija jūsų vardu patvirtinta.",
        ],
        "cancellation": [
            "Rezervacija atšaukta, pinigai grįš per kelias dienas.",
            "Prenumerata nutraukta nuo kito mėnesio, daugiau mokėjimų nebus.",
            "Viską atšaukėme už jus ir pradėjome pinigų grąžinimą.",
        ],
        "complaint": [
            "Labai apgailestaujame. Peržiūrėjome ankstesnes jūsų užklausas ir patys išsprendėme neišspręstą klausimą.",
            "Atsiprašome dėl to skambučio. Jūsų atsiliepimą perdavėme komandos vadovui, o jūsų paskyrai skyrėme kompensaciją.",
            "Ačiū, kad pranešėte. Jūsų atsiliepimą perdavėme komandai, o į paskyrą įrašėme nuolaidos kuponą.",
        ],
        "account": [
            "Jūsų el. pašto adresas atnaujintas.",
            "Jūsų paskyra ir duomenys ištrinti, kaip prašėte.",
            "Įmonės duomenys atnaujinti.",
        ],
    },
    "sorry_reopen": ["Apgailestauju, kad problema vėl pasikartojo.", "Atsiprašau, panašu, kad pirmas sprendimas nepadėjo."],
    "sign": ["Pagarbiai,\n{agent}", "Gražios dienos,\n{agent}", "Su pagarba,\n{agent}"],
    "note": [
        "Klientas jau kreipėsi dėl šio klausimo.",
        "Perduota antrajai linijai, žr. vidinę užduotį.",
        "Patikrinau mokėjimų sistemą: nuskaičiuota du kartus.",
        "Perduodu kolegai ({agent}), baigiasi mano pamaina.",
        "Laukiame partnerio atsakymo.",
    ],
    "rating_good": [
        "Greitai ir naudingai, ačiū!",
        "Puiki pagalba, problema išspręsta.",
        "Labai malonus aptarnavimas.",
        "Greitas atsakymas, viskas veikia.",
        "Kaip visada, puikus aptarnavimas.",
    ],
    "rating_bad": {
        "slow": ["Atsakymo teko laukti per ilgai.", "Atsakymo laukiau kelias dienas.", "Per lėtai."],
        "unresolved": ["Problema nebuvo išspręsta iš pirmo karto.", "Teko rašyti dar kartą, ir vis tiek iki galo nesutvarkyta."],
        "transfer": ["Mane siuntinėjo nuo vieno darbuotojo prie kito.", "Niekas nežinojo, kas turėtų man padėti."],
        "general": ["Visiškai nepadėjo.", "Atsakymas man nepadėjo.", "Prastas aptarnavimas."],
    },
}

TEXTS: dict[str, dict] = {"en": EN, "ru": RU, "el": EL, "lt": LT}

# Reasons a help desk offers with a bad binary rating (Zendesk's defaults).
BAD_REASONS = {
    "slow": "The issue took too long to resolve",
    "unresolved": "The issue was not resolved",
    "transfer": "The agent's knowledge is unsatisfactory",
    "general": "Some other reason",
}

# First names by gender, and surnames as (male form, female form).
NAMES: dict[str, dict[str, list]] = {
    "en": {
        "male": ["James", "Oliver", "Daniel", "Michael", "Thomas", "David", "Samuel", "Peter"],
        "female": ["Emma", "Sophie", "Laura", "Hannah", "Olivia", "Grace", "Lucy", "Chloe"],
        "surname": [(s, s) for s in ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Walker", "Clarke", "Evans", "Hughes", "Wright")],
    },
    "ru": {
        "male": ["Алексей", "Дмитрий", "Сергей", "Андрей", "Иван", "Михаил", "Николай", "Павел"],
        "female": ["Анна", "Мария", "Екатерина", "Ольга", "Наталья", "Елена", "Татьяна", "Ирина"],
        "surname": [
            ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
            ("Соколов", "Соколова"), ("Лебедев", "Лебедева"), ("Козлов", "Козлова"), ("Новиков", "Новикова"),
            ("Морозов", "Морозова"), ("Волков", "Волкова"),
        ],
    },
    "el": {
        "male": ["Γιώργος", "Νίκος", "Κώστας", "Δημήτρης", "Γιάννης", "Παναγιώτης", "Χρήστος", "Σπύρος"],
        "female": ["Μαρία", "Ελένη", "Κατερίνα", "Σοφία", "Δήμητρα", "Αναστασία", "Βασιλική", "Χριστίνα"],
        "surname": [
            ("Παπαδόπουλος", "Παπαδοπούλου"), ("Γεωργίου", "Γεωργίου"), ("Οικονόμου", "Οικονόμου"),
            ("Νικολάου", "Νικολάου"), ("Παπαδάκης", "Παπαδάκη"), ("Βασιλείου", "Βασιλείου"),
            ("Αντωνίου", "Αντωνίου"), ("Καραγιάννης", "Καραγιάννη"), ("Μαυρίδης", "Μαυρίδου"), ("Ιωάννου", "Ιωάννου"),
        ],
    },
    "lt": {
        "male": ["Jonas", "Tomas", "Mantas", "Lukas", "Mindaugas", "Darius", "Paulius", "Žygimantas"],
        "female": ["Rūta", "Eglė", "Gintarė", "Ieva", "Aušra", "Jurgita", "Kristina", "Žaneta"],
        "surname": [
            ("Kazlauskas", "Kazlauskienė"), ("Jankauskas", "Jankauskaitė"), ("Petrauskas", "Petrauskienė"),
            ("Stankevičius", "Stankevičiūtė"), ("Vasiliauskas", "Vasiliauskienė"), ("Žukauskas", "Žukauskaitė"),
            ("Butkus", "Butkutė"), ("Paulauskas", "Paulauskienė"), ("Urbonas", "Urbonienė"), ("Šimkus", "Šimkutė"),
        ],
    },
}

_TRANSLIT = {
    # Russian (simplified passport style)
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
    # Greek (ELOT 743, simplified)
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}


def ascii_name(text: str) -> str:
    """A name as ASCII letters for an email address: transliterated, accents dropped."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if unicodedata.combining(ch):
            continue
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif "a" <= ch <= "z":
            out.append(ch)
    return "".join(out)
