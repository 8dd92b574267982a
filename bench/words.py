"""Word lists the corpus builds its sentences from, one list per language and charset.

Each list holds only characters its charset can encode (Cyrillic for windows-1251, kana and kanji
for shift_jis, Latin-1 accents for iso-8859-1), so a page never needs a replacement character.
"""

ENGLISH = """
the a of to in and that for on with as by at from after before over under about against between
during without within across into through since while because although though unless until
government council minister ministry officials report reports spokesman spokeswoman agency court
judge ruling appeal lawsuit police investigation investigators prosecutors evidence documents
contract contractor budget deficit tax taxes spending bill vote votes parliament senate committee
hearing inquiry audit auditors company companies shares market markets investors bank banks
inflation rates prices wages workers union strike factory plant energy gas oil power grid drought
flood floods river water harbour port bridge road railway station airport flights passengers
hospital patients doctors nurses vaccine study researchers scientists university data survey
election campaign candidate mayor governor president leader opposition coalition party voters
residents neighbours families children schools teachers students housing rent landlords tenants
climate emissions forest wildfire storm coast village city town region province border refugees
army soldiers ceasefire talks treaty sanctions exports imports trade tariffs shipping steel
said says told added warned denied confirmed announced published released estimated expected
argued insisted noted claimed suggested revealed reported admitted promised rejected approved
delayed cancelled postponed launched opened closed reopened raised cut doubled halved fell rose
new old first last second third early late recent previous next local national federal regional
public private independent official internal annual monthly weekly major minor key senior former
million billion percent figures numbers statement letter email memo filing transcript records
last week on Monday on Tuesday on Wednesday on Thursday on Friday this year last year in March
in April in June in October according which who whose where when what why how not only also more
than less most least many few several some every each other another such same different whole
long short high low large small big little good bad better worse best worst clear unclear likely
people person man woman group groups community communities industry sector service services
plan plans proposal proposals project projects programme system systems network networks policy
decision decisions question questions answer answers problem problems risk risks cost costs
money funds fund payment payments loan loans debt debts share property land buildings homes
time times day days month months year years decade decades hour hours minute minutes moment
""".split()

RUSSIAN = """
правительство министр министерство заявил заявила сообщил сообщила отметил отметила по данным
в на с по из за для от до после перед над под при о об и но или что как когда где который
которая которые город области региона страны года году месяца недели суд судья прокуратура
расследование полиция документы контракт бюджет налоги расходы депутаты выборы кандидат мэр
губернатор президент оппозиция жители семьи дети школы учителя студенты жильё аренда река
вода мост дорога вокзал аэропорт больница врачи пациенты исследование учёные университет
компания акции рынок инвесторы банк инфляция цены зарплаты рабочие завод энергия газ нефть
новый новая новые первый последний местный федеральный независимый официальный крупный
миллион миллиард процентов данные письмо заявление отчёт решение вопрос проблема риск стоимость
деньги кредит долг земля здания дома время день месяц год неделю вторник среду пятницу
""".split()

JAPANESE = """
政府 大臣 省 発表 報告 調査 警察 裁判所 判決 契約 予算 税金 議会 委員会 選挙 候補者 市長 知事
住民 家族 子ども 学校 教師 学生 住宅 家賃 川 水 橋 道路 駅 空港 病院 医師 患者 研究 大学
会社 株式 市場 投資家 銀行 物価 賃金 労働者 工場 電力 ガス 石油 気候 森林 台風 地震 地域 国境
新しい 古い 最初の 最後の 地元の 全国の 公式の 大きな 小さな 多くの 百万 億 割合 数字 書簡
声明 記録 決定 問題 危険 費用 資金 融資 土地 建物 時間 今週 先週 月曜日 金曜日 今年 昨年
によると とした と述べた が明らかにした を発表した を延期した を承認した に反対した について
""".split()

LATIN1 = """
le la les un une des du de et à où est sont été était selon après avant pendant contre entre
gouvernement ministre ministère rapport enquête police tribunal décision procès contrat budget
impôts député élection candidat maire président opposition habitants familles enfants écoles
professeurs étudiants logement loyer rivière eau pont route gare aéroport hôpital médecins
patients étude chercheurs université société marché investisseurs banque prix salaires grève
usine énergie pétrole climat forêt région frontière réfugiés nouveau nouvelle première dernière
locale nationale fédérale indépendant officiel grand petite millions milliards données lettre
déclaration problème risque coût argent prêt dette terrain bâtiments maisons année mois semaine
lundi mardi mercredi jeudi vendredi déjà très plus moins aussi également toujours été façon
die der das und für über während gegen zwischen Regierung Behörde Gericht Bürgermeister Straße
Brücke Flughafen Krankenhaus Ärzte Studie Universität Unternehmen Märkte Löhne Bürger Häuser
""".split()

NAMES = """
Anna Maria Elena Sofia Laura Clara Ines Nadia Olga Irina Yuki Aiko Hana Mei Fatima Amina Zainab
Sara Lucia Marta Eva Nora Lena Julia Ruth Grace Alice James John Peter Paul Mark David Daniel
Omar Ahmed Yusuf Ivan Sergei Dmitri Kenji Hiroshi Takeshi Luca Marco Pierre Jean Hans Karl Tomas
Smith Jones Brown Garcia Martin Rossi Müller Schmidt Dubois Silva Santos Ivanov Petrov Sato
Suzuki Tanaka Kim Park Chen Wang Nguyen Haddad Khan Okafor Mensah Novak Horvat Kowalski Larsen
""".split()

SECTIONS = """
world politics business economy climate science health tech culture sport opinion local
investigations europe asia africa americas middle-east education transport housing justice
""".split()

TLDS = ["com", "net", "org", "co.uk", "de", "fr", "ru", "jp", "it", "es", "nl", "info", "news"]
