"""Phrase banks of the second world: German and English (radwerk, an e-bike subscription),
Portuguese, Spanish and English (marsol, a phone and fibre provider).

Written for this world alone, with none of the demo's words in mind (src/cxpulse/demo/texts.py
is about orders, bookings and refunds): other products, other topics, other tones.

`TOPICS[account][topic][lang]` is (subjects, problems, fixes): a ticket takes one subject
and one problem at random, and an agent solving it one fix. `MOOD_OPEN` / `MOOD_CLOSE`
are a customer's first words by mood (calm, annoyed, furious). Agents write in the
customer's language, `warm` or `terse` (their style), and their internal notes in the
account's own language (German, Portuguese). Placeholders: `{name}` the customer's first
name, `{agent}` the agent's, `{num}` a number, `{phone}` a phone number, `{dur}` a call's
length.
"""

from __future__ import annotations

TOPICS: dict[str, dict[str, dict[str, tuple[list[str], list[str], list[str]]]]] = {
    "radwerk": {
        "akku": {
            "de": (
                ["Akku lädt nicht mehr", "Reichweite plötzlich halbiert", "Ladegerät blinkt rot"],
                ["Seit gestern lädt der Akku meines E-Bikes nicht mehr, die Anzeige bleibt bei 20 Prozent stehen.",
                 "Mit einer vollen Ladung komme ich nur noch etwa 15 Kilometer weit, früher waren es über 40.",
                 "Das Ladegerät blinkt rot, sobald ich es an den Akku anschließe."],
                ["Wir schicken Ihnen morgen einen Ersatzakku per Kurier, den alten geben Sie einfach dem Fahrer mit.",
                 "Die Zellen Ihres Akkus sind verschlissen, der Tausch ist im Abo enthalten und bereits beauftragt."],
            ),
            "en": (
                ["Battery stopped charging", "Range suddenly halved", "Charger light flashing red"],
                ["Since yesterday my e-bike battery stops charging at 20 percent.",
                 "On a full charge I now get about 15 km, it used to be well over 40.",
                 "The charger flashes red the moment I connect it to the battery."],
                ["A courier brings you a replacement battery tomorrow; just hand the old one to the driver.",
                 "The cells in your battery are worn out; the swap is covered by your plan and already booked."],
            ),
        },
        "schaden": {
            "de": (
                ["Platter Reifen", "Bremse quietscht stark", "Vorderlicht kaputt"],
                ["Mein Hinterreifen ist platt und ich komme so nicht zur Arbeit.",
                 "Die Vorderbremse quietscht laut und greift erst sehr spät.",
                 "Das Vorderlicht geht nicht mehr an, im Dunkeln kann ich so nicht fahren."],
                ["Unser Mechaniker kommt am Donnerstag zwischen 8 und 12 Uhr zu Ihnen und repariert das vor Ort.",
                 "Die Reparatur ist erledigt, die Kosten übernehmen wir im Rahmen Ihres Abos."],
            ),
            "en": (
                ["Flat tyre", "Brakes squealing badly", "Front lamp broken"],
                ["My rear tyre is flat and I cannot ride to work.",
                 "The front brake squeals loudly and only bites very late.",
                 "The front lamp no longer switches on, so I can't ride after dark."],
                ["Our mechanic will come to you on Thursday between 8 and 12 and fix it on the spot.",
                 "The repair is done, and your plan covers the cost."],
            ),
        },
        "app": {
            "de": (
                ["App entsperrt das Schloss nicht", "Bluetooth-Verbindung bricht ab",
                 "Anmeldung in der App schlägt fehl"],
                ["Wenn ich in der App auf Entsperren tippe, passiert am Schloss gar nichts.",
                 "Die App verliert ständig die Bluetooth-Verbindung zum Rad.",
                 "Nach dem Update zeigt die App bei jeder Anmeldung eine Fehlermeldung."],
                ["Bitte installieren Sie die Version 4.2 der App, darin ist der Fehler mit dem Schloss behoben.",
                 "Ich habe Ihr Schloss aus der Ferne neu gekoppelt, es sollte sich jetzt wieder öffnen lassen."],
            ),
            "en": (
                ["App won't unlock the bike", "Bluetooth keeps dropping", "Can't sign in since the update"],
                ["When I tap unlock in the app nothing happens at the lock.",
                 "The app keeps losing its Bluetooth connection to the bike.",
                 "Since the update the app throws an error every time I sign in."],
                ["Please install version 4.2 of the app, which fixes the lock problem.",
                 "I re-paired your lock remotely; it should open again now."],
            ),
        },
        "abo": {
            "de": (
                ["Abo im Winter pausieren", "Wechsel auf das Pendler-Paket", "Kündigung zum Monatsende"],
                ["Ich möchte mein Abo über die Wintermonate pausieren, geht das?",
                 "Ich würde gern vom Basis-Abo auf das Pendler-Paket wechseln.",
                 "Ich ziehe um und möchte mein Abo zum Monatsende beenden."],
                ["Ihr Abo ruht ab dem 1. des nächsten Monats, Sie zahlen in der Pause nur 5 Euro monatlich.",
                 "Die Änderung ist eingetragen und gilt ab Ihrem nächsten Abrechnungszeitraum."],
            ),
            "en": (
                ["Pause my plan over winter", "Move to the commuter package", "Ending my plan this month"],
                ["I'd like to pause my plan over the winter months, is that possible?",
                 "I'd like to move from the basic plan to the commuter package.",
                 "I'm moving away and want to end my plan at the end of the month."],
                ["Your plan is paused from the 1st of next month; during the pause you pay just 5 euros a month.",
                 "The change is in and applies from your next billing period."],
            ),
        },
        "rechnung": {
            "de": (
                ["Doppelte Abbuchung", "Kaution noch nicht zurück", "Rechnung enthält falschen Posten"],
                ["Diesen Monat wurde die Abo-Gebühr zweimal von meinem Konto abgebucht.",
                 "Ich habe das Rad vor drei Wochen zurückgegeben, aber die Kaution ist noch nicht da.",
                 "Auf der Rechnung steht ein Reparaturposten, den ich nie beauftragt habe."],
                ["Die doppelte Abbuchung ist storniert, der Betrag ist in zwei bis drei Tagen wieder auf Ihrem Konto.",
                 "Ich habe die Rechnung korrigiert, die neue finden Sie in Ihrem Kundenkonto."],
            ),
            "en": (
                ["Debited twice this month", "Deposit still not back", "Invoice has a wrong item"],
                ["The plan fee was taken from my bank account twice this month.",
                 "I returned the bike three weeks ago but the deposit hasn't come back.",
                 "The invoice lists a repair I never asked for."],
                ["The double debit is reversed; the money will be back in your account within two to three days.",
                 "I corrected the invoice; the new one is in your customer account."],
            ),
        },
        "termin": {
            "de": (
                ["Techniker ist nicht gekommen", "Termin für Radtausch", "Servicetermin verschieben"],
                ["Der Techniker war für heute zwischen 8 und 12 Uhr angekündigt, es ist aber niemand erschienen.",
                 "Ich brauche einen Termin, um mein Rad gegen ein neues tauschen zu lassen.",
                 "Am vereinbarten Servicetermin kann ich nicht und möchte ihn verschieben."],
                ["Ihr neuer Termin ist am Dienstag zwischen 14 und 18 Uhr, Sie bekommen vorher eine SMS.",
                 "Der Tausch ist für Samstagvormittag eingeplant, bitte halten Sie den Schlüssel bereit."],
            ),
            "en": (
                ["Technician never turned up", "Appointment to swap my bike", "Move my service visit"],
                ["The technician was due today between 8 and 12 but nobody came.",
                 "I need an appointment to have my bike swapped for a new one.",
                 "I can't make the agreed service visit and would like to move it."],
                ["Your new slot is Tuesday between 2 and 6 pm; you'll get a text message beforehand.",
                 "The swap is planned for Saturday morning; please have your key ready."],
            ),
        },
    },
    "marsol": {
        "fibra": {
            "pt": (
                ["Sem internet desde ontem", "Fibra muito lenta", "Router sempre a reiniciar"],
                ["Estou sem internet em casa desde ontem à noite e trabalho a partir de casa.",
                 "A velocidade da fibra não passa dos 20 Mbps e contratei 500.",
                 "O router reinicia sozinho várias vezes por hora."],
                ["Havia uma avaria na central da sua zona, já foi reparada e o serviço está reposto.",
                 "Enviámos um router novo, chega amanhã por correio expresso."],
            ),
            "es": (
                ["Sin internet desde ayer", "La fibra va lentísima", "El router se reinicia solo"],
                ["Estoy sin internet en casa desde anoche y teletrabajo.",
                 "La velocidad de la fibra no pasa de 20 Mbps y contraté 500.",
                 "El router se reinicia solo varias veces cada hora."],
                ["Había una avería en la central de su zona; ya está reparada y el servicio restablecido.",
                 "Le hemos enviado un router nuevo, llega mañana por mensajería urgente."],
            ),
            "en": (
                ["No broadband since last night", "Fibre speed is awful", "Router keeps rebooting"],
                ["I've had no internet at home since last night and I work from home.",
                 "The fibre never goes above 20 Mbps although I pay for 500.",
                 "The router restarts by itself several times an hour."],
                ["There was a fault at the exchange in your area; it is repaired and your line is back.",
                 "We've sent you a new router by express post; it arrives tomorrow."],
            ),
        },
        "portabilidade": {
            "pt": (
                ["Portabilidade do número parada", "Perdi o meu número", "Pedido de portabilidade"],
                ["Pedi a portabilidade do meu número há dez dias e continua pendente.",
                 "Desde a mudança de operador o meu número antigo deixou de funcionar.",
                 "Quero trazer o meu número da outra operadora, o que preciso de enviar?"],
                ["A portabilidade ficou concluída hoje, o seu número já está ativo no cartão novo.",
                 "Faltava a assinatura no formulário; já tratámos disso e o número passa amanhã."],
            ),
            "es": (
                ["Portabilidad atascada", "He perdido mi número", "Solicitud de portabilidad"],
                ["Solicité la portabilidad de mi número hace diez días y sigue pendiente.",
                 "Desde el cambio de compañía mi número antiguo ya no funciona.",
                 "Quiero traer mi número desde otra compañía, ¿qué tengo que enviar?"],
                ["La portabilidad se completó hoy; su número ya funciona con la tarjeta nueva.",
                 "Faltaba la firma en el formulario; ya está resuelto y el número pasa mañana."],
            ),
            "en": (
                ["Number transfer stuck", "My old number is gone", "Bringing my number over"],
                ["I asked to port my number ten days ago and it's still pending.",
                 "Since switching provider my old number stopped working.",
                 "I want to bring my number over from another provider, what do you need from me?"],
                ["The port completed today; your number now works on the new SIM.",
                 "The form was missing a signature; that's sorted and the number moves tomorrow."],
            ),
        },
        "roaming": {
            "pt": (
                ["Sem rede no estrangeiro", "Cobrança de roaming inesperada", "Ativar roaming"],
                ["Estou em viagem e o telemóvel não apanha rede nenhuma.",
                 "Recebi uma cobrança de roaming de 80 euros por uma semana em Marrocos.",
                 "Vou viajar para o Brasil e quero ativar o roaming."],
                ["Ativámos o roaming na sua linha; reinicie o telemóvel e escolha a rede manualmente.",
                 "Anulámos a cobrança de roaming, o crédito aparece na próxima fatura."],
            ),
            "es": (
                ["Sin cobertura en el extranjero", "Cargo de roaming inesperado", "Activar el roaming"],
                ["Estoy de viaje y el móvil no encuentra ninguna red.",
                 "Me han cobrado 80 euros de roaming por una semana en Marruecos.",
                 "Me voy de viaje a México y quiero activar el roaming."],
                ["Hemos activado el roaming en su línea; reinicie el móvil y elija la red a mano.",
                 "Hemos anulado el cargo de roaming; el abono aparecerá en la próxima factura."],
            ),
            "en": (
                ["No signal abroad", "Surprise roaming charge", "Switch on roaming"],
                ["I'm travelling and my phone can't find any network.",
                 "I was billed 80 euros for roaming during one week in Morocco.",
                 "I'm off to Canada next week and need roaming switched on."],
                ["Roaming is now on for your line; restart the phone and pick the network manually.",
                 "We've cancelled the roaming charge; the credit shows on your next bill."],
            ),
        },
        "fatura": {
            "pt": (
                ["Fatura com valor errado", "Cobrado depois de cancelar", "Não recebi a fatura"],
                ["A fatura deste mês vem com mais 15 euros do que o habitual.",
                 "Continuam a cobrar-me a mensalidade apesar de ter cancelado o serviço.",
                 "Não recebi a fatura de outubro no meu email."],
                ["Corrigimos a fatura e os 15 euros serão creditados no próximo mês.",
                 "Reenviámos a fatura para o seu email e ativámos a fatura eletrónica."],
            ),
            "es": (
                ["Factura con importe erróneo", "Me cobran tras darme de baja", "No me ha llegado la factura"],
                ["La factura de este mes viene con 15 euros más de lo normal.",
                 "Me siguen cobrando la cuota aunque me di de baja.",
                 "No he recibido la factura de octubre en mi correo."],
                ["Hemos corregido la factura y le abonaremos los 15 euros el mes que viene.",
                 "Le hemos reenviado la factura al correo y activado la factura electrónica."],
            ),
            "en": (
                ["Bill higher than usual", "Still billed after cancelling", "Bill never arrived"],
                ["This month's bill is 15 euros more than usual.",
                 "You keep billing me the monthly fee although I cancelled.",
                 "I never got October's bill by email."],
                ["We corrected the bill and will credit the 15 euros next month.",
                 "We've re-sent the bill to your email and switched on e-billing."],
            ),
        },
        "esim": {
            "pt": (
                ["Ativar eSIM", "Cartão SIM bloqueado", "Pedir novo cartão SIM"],
                ["Comprei um telemóvel novo e queria passar para eSIM.",
                 "O cartão SIM pede o código PUK e não o tenho.",
                 "Perdi o telemóvel e preciso de um novo cartão SIM com o mesmo número."],
                ["Enviámos o código QR da eSIM para o seu email, basta lê-lo com o telemóvel novo.",
                 "O seu código PUK está na área de cliente, em Linhas e cartões."],
            ),
            "es": (
                ["Activar eSIM", "Tarjeta SIM bloqueada", "Pedir una SIM nueva"],
                ["He comprado un móvil nuevo y quiero pasarme a eSIM.",
                 "La tarjeta SIM me pide el código PUK y no lo tengo.",
                 "He perdido el móvil y necesito una SIM nueva con el mismo número."],
                ["Le hemos enviado el código QR de la eSIM al correo; solo tiene que escanearlo con el móvil nuevo.",
                 "Su código PUK está en el área de cliente, en Líneas y tarjetas."],
            ),
            "en": (
                ["Set up an eSIM", "SIM card locked", "Need a replacement SIM"],
                ["I bought a new phone and want to switch to an eSIM.",
                 "My SIM asks for the PUK code and I don't have it.",
                 "I lost my phone and need a new SIM with the same number."],
                ["We've emailed you the eSIM QR code; just scan it with the new phone.",
                 "Your PUK code is in your customer area under Lines and cards."],
            ),
        },
        "contrato": {
            "pt": (
                ["Mudar de tarifário", "Fim da fidelização", "Adicionar linha ao contrato"],
                ["Gostaria de mudar para um tarifário com mais dados móveis.",
                 "A minha fidelização termina este mês, que condições têm para mim?",
                 "Quero adicionar uma linha para a minha filha ao meu contrato."],
                ["O novo tarifário fica ativo amanhã, com 50 GB e o mesmo preço.",
                 "Preparámos uma proposta com desconto de 20 por cento, está na sua área de cliente."],
            ),
            "es": (
                ["Cambiar de tarifa", "Fin de la permanencia", "Añadir una línea al contrato"],
                ["Me gustaría cambiar a una tarifa con más datos.",
                 "Mi permanencia termina este mes, ¿qué condiciones me ofrecéis?",
                 "Quiero añadir una línea para mi hija a mi contrato."],
                ["La nueva tarifa se activa mañana, con 50 GB al mismo precio.",
                 "Le hemos preparado una oferta con un 20 por ciento de descuento en su área de cliente."],
            ),
            "en": (
                ["Change my tariff", "My minimum term is ending", "Add a line to my contract"],
                ["I'd like a tariff with more mobile data.",
                 "My minimum term ends this month, what can you offer me?",
                 "I want to add a line for my daughter to my contract."],
                ["The new tariff starts tomorrow: 50 GB for the same price.",
                 "We've put an offer with 20 percent off in your customer area."],
            ),
        },
        "cobertura": {
            "pt": (
                ["Sem rede em casa", "As chamadas caem sempre", "Não aparece o 5G"],
                ["Dentro de casa o telemóvel fica sem rede nenhuma.",
                 "As chamadas caem ao fim de poucos minutos.",
                 "O meu telemóvel é 5G mas na minha zona só aparece 4G."],
                ["Ativámos as chamadas por Wi-Fi na sua linha, assim tem rede dentro de casa.",
                 "Uma antena da sua zona estava em manutenção; a cobertura já está normal."],
            ),
            "es": (
                ["Sin cobertura en casa", "Se cortan las llamadas", "No me aparece el 5G"],
                ["Dentro de casa el móvil se queda sin cobertura.",
                 "Las llamadas se cortan a los pocos minutos.",
                 "Mi móvil es 5G pero en mi zona solo sale 4G."],
                ["Hemos activado las llamadas por wifi en su línea, así tendrá cobertura en casa.",
                 "Una antena de su zona estaba en mantenimiento; la cobertura ya es normal."],
            ),
            "en": (
                ["No signal indoors", "Calls keep cutting out", "5G never shows up"],
                ["Inside my flat the phone has no signal at all.",
                 "Calls cut out after a few minutes.",
                 "My phone does 5G but I only ever see 4G where I live."],
                ["We switched on Wi-Fi calling for your line, so you have signal indoors.",
                 "A mast near you was under maintenance; coverage is back to normal."],
            ),
        },
    },
}

# A customer's first words and last words, by mood. An upset customer writes like one
# most of the time (the generator decides how often), so the text carries some signal.
MOOD_OPEN = {
    "de": {
        "calm": ["Hallo,", "Guten Tag,", "Moin,"],
        "annoyed": ["Hallo, ich schreibe Ihnen jetzt schon zum zweiten Mal.",
                    "Guten Tag, langsam verliere ich die Geduld.",
                    "Hallo, das ist wirklich ärgerlich."],
        "furious": ["Das ist eine Frechheit!", "Ich bin stinksauer.", "Unglaublich, was bei Ihnen los ist!"],
    },
    "en": {
        "calm": ["Hey,", "Morning,", "Dear support team,"],
        "annoyed": ["Hi, this is my second message about this.", "Hello, I'm running out of patience here.",
                    "Hi, this is becoming a real hassle."],
        "furious": ["This is outrageous!", "I am absolutely fuming.", "Shocking service, again!"],
    },
    "pt": {
        "calm": ["Olá,", "Bom dia,", "Boa tarde,"],
        "annoyed": ["Olá, é a segunda vez que escrevo sobre isto.", "Bom dia, já estou a perder a paciência.",
                    "Boa tarde, isto começa a ser muito chato."],
        "furious": ["Isto é uma vergonha!", "Estou furioso com o vosso serviço.", "Inacreditável, outra vez!"],
    },
    "es": {
        "calm": ["Hola,", "Buenos días,", "Buenas tardes,"],
        "annoyed": ["Hola, es la segunda vez que escribo por esto.", "Buenos días, se me está acabando la paciencia.",
                    "Buenas tardes, esto ya cansa."],
        "furious": ["¡Esto es una vergüenza!", "Estoy indignado con vuestro servicio.",
                    "¡Increíble, otra vez lo mismo!"],
    },
}
MOOD_CLOSE = {
    "de": {
        "calm": ["Vielen Dank im Voraus!", "Danke für Ihre Hilfe.", "Beste Grüße"],
        "annoyed": ["Ich erwarte eine schnelle Lösung.", "Bitte kümmern Sie sich endlich darum.",
                    "So kann das nicht weitergehen."],
        "furious": ["Sonst kündige ich sofort!", "Ich will mein Geld zurück, und zwar sofort.",
                    "Darüber schreibe ich eine Bewertung, die sich gewaschen hat."],
    },
    "en": {
        "calm": ["Cheers for your help.", "Much appreciated.", "All the best"],
        "annoyed": ["I expect this sorted quickly.", "Please finally deal with it.", "This can't go on like this."],
        "furious": ["Fix it or I'm off to another provider!", "I want my money back right now.",
                    "I'll be telling everyone about this."],
    },
    "pt": {
        "calm": ["Obrigado desde já.", "Agradeço a ajuda.", "Cumprimentos"],
        "annoyed": ["Espero uma resolução rápida.", "Por favor resolvam isto de vez.", "Assim não dá."],
        "furious": ["Ou resolvem ou mudo de operadora!", "Quero o meu dinheiro de volta já.",
                    "Vou escrever no livro de reclamações."],
    },
    "es": {
        "calm": ["Gracias de antemano.", "Un saludo.", "Muchas gracias por la ayuda."],
        "annoyed": ["Espero una solución rápida.", "Por favor, solucionadlo ya.", "Así no se puede."],
        "furious": ["¡O lo arregláis o me cambio de compañía!", "Quiero que me devolváis el dinero ya.",
                    "Voy a poner una reclamación formal."],
    },
}
CUSTOMER_NUMBER = {
    "de": "Meine Kundennummer ist {num}.", "en": "My customer number is {num}.",
    "pt": "O meu número de cliente é {num}.", "es": "Mi número de cliente es el {num}.",
}

# Agents: a question that puts the ticket on pending, and the customer's answer.
ASK = {
    "radwerk": {
        "de": ["Können Sie mir die Rahmennummer Ihres Rads schicken?", "Seit wann genau besteht das Problem?",
               "Schicken Sie mir bitte ein Foto davon."],
        "en": ["Could you send me the frame number of your bike?", "Since when exactly has this been happening?",
               "Please send me a photo of it."],
    },
    "marsol": {
        "pt": ["Pode indicar-me o seu NIF e a morada da instalação?",
               "Já experimentou desligar o equipamento durante um minuto?",
               "Consegue enviar-me uma fotografia das luzes do equipamento?"],
        "es": ["¿Me puede indicar su DNI y la dirección de la instalación?",
               "¿Ha probado a apagar el equipo durante un minuto?",
               "¿Puede enviarme una foto de las luces del equipo?"],
        "en": ["Could you give me your tax number and the installation address?",
               "Have you tried switching the equipment off for a minute?",
               "Can you send me a picture of the lights on the equipment?"],
    },
}
ANSWER = {
    "de": ["Die Rahmennummer ist RW-{num}.", "Das fing am Wochenende an.", "Foto ist im Anhang."],
    "en": ["Here you go: {num}.", "It started at the weekend.", "Photo attached."],
    "pt": ["Aqui está: {num}.", "Já experimentei e continua igual.", "Segue a fotografia em anexo."],
    "es": ["Aquí lo tiene: {num}.", "Ya lo he probado y sigue igual.", "Le adjunto la foto."],
}

# An agent's words by style. warm: greets by name, says sorry, signs; terse: the bare minimum.
GREET = {
    "warm": {"de": "Hallo {name},", "en": "Hi {name},", "pt": "Olá {name},", "es": "Hola {name}:"},
    "terse": {"de": "Hallo.", "en": "Hello.", "pt": "Olá.", "es": "Hola."},
}
EMPATHY = {
    "de": ["danke für Ihre Nachricht, und entschuldigen Sie die Umstände.",
           "das tut mir wirklich leid, ich kümmere mich darum."],
    "en": ["thanks for getting in touch, and sorry for the trouble.", "I'm really sorry about this, I'm on it."],
    "pt": ["obrigado pelo contacto e lamentamos o incómodo.", "lamento imenso, vou tratar já disto."],
    "es": ["gracias por escribirnos y disculpe las molestias.", "lo siento mucho, me encargo ahora mismo."],
}
WORKING = {
    "warm": {
        "de": "Ich habe das an unsere Werkstatt weitergegeben und melde mich, sobald ich mehr weiß.",
        "en": "I've passed this on to our workshop and will get back to you as soon as I know more.",
        "pt": "Passei o seu pedido à equipa técnica e volto a contactar assim que tiver novidades.",
        "es": "He pasado su caso al equipo técnico y le escribo en cuanto sepa algo más.",
    },
    "terse": {"de": "Wird geprüft.", "en": "Being checked.", "pt": "Em análise.", "es": "En revisión."},
}
CLOSING = {
    "warm": {
        "de": "Ich schließe das Ticket, aber melden Sie sich jederzeit, falls noch etwas ist. "
              "Schönen Tag noch, {agent}",
        "en": "I'll close this now, but do reply any time if something's still not right. Take care, {agent}",
        "pt": "Vou fechar o pedido, mas pode responder a qualquer momento se precisar. Um abraço, {agent}",
        "es": "Cierro la incidencia, pero puede responder cuando quiera si algo no va bien. Un saludo, {agent}",
    },
    "terse": {"de": "Ticket wird geschlossen.", "en": "Closing the ticket.", "pt": "Pedido encerrado.",
              "es": "Incidencia cerrada."},
}
CALL_FOLLOWUP = {
    "de": "Wie eben am Telefon besprochen:", "en": "As we just discussed on the phone:",
    "pt": "Conforme falámos ao telefone:", "es": "Tal como hemos hablado por teléfono:",
}
AGAIN = {
    "warm": {"de": "Oh nein, das tut mir leid! Ich sehe mir das sofort noch einmal an.",
             "en": "Oh no, sorry about that! I'm looking into it again right away.",
             "pt": "Lamento muito! Vou verificar novamente de imediato.",
             "es": "¡Vaya, lo siento! Lo reviso otra vez ahora mismo."},
    "terse": {"de": "Wir prüfen erneut.", "en": "Checking again.", "pt": "Vamos verificar de novo.",
              "es": "Lo revisamos de nuevo."},
}
BACK_FROM_HOLD = {
    "de": "Gute Nachrichten: Wir haben Rückmeldung bekommen.", "en": "Good news: we've heard back.",
    "pt": "Boas notícias: já temos resposta.", "es": "Buenas noticias: ya tenemos respuesta.",
}
REOPEN = {
    "de": ["Leider besteht das Problem weiterhin.", "Das hat nicht geholfen, es ist wieder genau dasselbe."],
    "en": ["Sorry, but the problem is back.", "That didn't help, it's doing exactly the same thing."],
    "pt": ["Infelizmente o problema voltou.", "Não resolveu, continua tudo igual."],
    "es": ["Lo siento, pero el problema ha vuelto.", "No se ha solucionado, sigue exactamente igual."],
}
CALL_NOTE = {
    "de": "Anruf von {phone}, Dauer {dur}. Kunde meldet: {problem}",
    "en": "Call from {phone}, {dur} long. Caller reports: {problem}",
    "pt": "Chamada de {phone}, duração {dur}. O cliente refere: {problem}",
    "es": "Llamada de {phone}, duración {dur}. El cliente indica: {problem}",
}

# Internal notes, in the account's own language whatever the customer's.
NOTE = {
    "radwerk": {
        "transfer": ["Bitte übernehmen, das ist ein Fall für euch.", "Gehört nicht zu uns, weitergeleitet."],
        "hold": ["Warte auf Rückmeldung der Werkstatt.", "Ersatzteil bestellt, Lieferung offen."],
    },
    "marsol": {
        "transfer": ["Por favor assumam, é da vossa equipa.", "Não é connosco, reencaminhado."],
        "hold": ["A aguardar resposta da equipa de rede.", "Pedido aberto junto do outro operador."],
    },
}

# Rating comments. Bad ratings name what hurt.
RATING_GOOD = {
    "de": ["Schnell und freundlich, danke!", "Top, alles wieder in Ordnung.", "Sehr kompetente Hilfe."],
    "en": ["Sorted quickly, cheers!", "Lovely helpful people.", "Spot on, thanks."],
    "pt": ["Rápido e simpático, obrigado!", "Resolveram tudo, excelente.", "Muito bom atendimento."],
    "es": ["Rápido y amable, ¡gracias!", "Lo resolvieron todo, genial.", "Muy buena atención."],
}
RATING_BAD = {
    "de": ["Hat viel zu lange gedauert.", "Problem nicht gelöst.", "Niemand hat sich zurückgemeldet."],
    "en": ["Far too slow.", "Still not fixed.", "Nobody ever got back to me."],
    "pt": ["Demorou demasiado.", "O problema não ficou resolvido.", "Ninguém me respondeu."],
    "es": ["Tardaron demasiado.", "El problema sigue sin resolver.", "Nadie me contestó."],
}
# Zendesk's default reasons for a bad rating (the satisfaction reasons list), with their ids.
BAD_REASONS = {
    "slow": ("The issue took too long to resolve", 360_000_900_005),
    "unresolved": ("The issue was not resolved", 360_000_900_006),
    "attitude": ("The agent's attitude was unsatisfactory", 360_000_900_007),
    "other": ("Some other reason", 360_000_900_008),
}

FIRST_NAMES = {
    "de": ["Jonas", "Lea", "Lukas", "Hannah", "Felix", "Mia", "Tobias", "Katrin", "Sebastian", "Anja", "Moritz",
           "Carla",
           "Henrik", "Greta", "Florian"],
    "en": ["Oliver", "Grace", "Ethan", "Chloe", "Liam", "Ruby", "Noah", "Isla", "Owen", "Megan"],
    "pt": ["João", "Inês", "Tiago", "Beatriz", "Rui", "Mariana", "Duarte", "Leonor", "Afonso", "Carolina"],
    "es": ["Javier", "Lucía", "Álvaro", "Carmen", "Pablo", "Elena", "Sergio", "Marta", "Diego", "Nuria"],
}
LAST_NAMES = {
    "de": ["Becker", "Hoffmann", "Schäfer", "Krüger", "Wagner", "Brandt", "Vogel", "Lorenz", "Kaiser", "Winter",
           "Albrecht", "Seidel"],
    "en": ["Turner", "Hughes", "Patel", "Walsh", "Brooks", "Fletcher", "Khan", "Doyle"],
    "pt": ["Ferreira", "Carvalho", "Sousa", "Pinto", "Rodrigues", "Almeida", "Lopes", "Marques"],
    "es": ["García", "Navarro", "Romero", "Ortega", "Castillo", "Delgado", "Vidal", "Moreno"],
}
LOCALES = {"de": "de", "en": "en-GB", "pt": "pt", "es": "es"}
