// Words that say what kind of thing a capitalised phrase is: organisation suffixes and heads, street types in
// many languages, address unit words. Written for Fidus; lower case, accents removed (see `foldWord`).

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

/** Legal forms: a phrase ending in one is an organisation ("Acme Ltd", "Müller GmbH"). */
export const legalForms = words(`
inc incorporated corp corporation co company cos ltd limited llc llp lp plc gmbh ag kg kgaa ohg ug se sa sas
sarl sasu spa srl sl slu bv nv ab asa as aps oy oyj pty pvt kk sdn bhd tbk ltda eirl lda sro spol zrt kft
bt doo dd ad ood eood sp zoo
`);

/**
 * Head words of organisation names: "Rivet Software", "Acme Bank", "Northwind Analytics". Weaker than a legal
 * form: the phrase must also be capitalised and not only common words.
 */
export const organisationHeads = words(`
group holdings holding partners associates technologies technology tech software systems solutions labs
laboratories networks network media analytics consulting consultants capital ventures bank bancorp
insurance financial finance services industries enterprises international global worldwide foundation
institute university college academy school hospital clinic agency studios studio pharmaceuticals pharma
therapeutics biosciences bioscience biotech motors airlines airways energy health healthcare markets
exchange trust fund society association council committee ministry department federation union club
press publishing publishers records entertainment communications telecom logistics transit transport
data digital interactive software robotics dynamics electronics engineering manufacturing construction
properties realty investments investment advisors advisory management marketing brands foods beverages
apparel retail stores supermarkets restaurants hotels resorts gallery museum library orchestra band
choir theatre theater church mosque synagogue temple cooperative coop collective alliance coalition
corps army navy police commission authority bureau office agency tribunal court parliament senate
congress party movement league organisation organization
`);

/** Words that start an organisation name when followed by "of": "University of X", "Bank of X". */
export const organisationOfHeads = words(`
university bank institute ministry department college academy museum school society association council
federation church office bureau board commission
`);

/** Street types written as separate words (any language): "Main Street", "Rue de la Paix", "Via Roma". */
export const streetTypes = words(`
street st str road rd avenue ave av avda boulevard blvd bd lane ln drive dr court ct place pl square sq
terrace terr way close crescent cres parkway pkwy highway hwy freeway expressway circle cir trail trl
alley row walk loop pass greens green crossroad crossing dale gardens gdns grove hill heights park mews
rise view vale wharf pike route rte point ridge run path plaza bridge estate estates manor meadow meadows
fields field glen harbor harbour haven hollow junction key knoll landing ledge lodge mall mill mission
motorway orchard oval pines port prairie quay ranch rapids rest shoal shore shores spring springs spur
station summit throughway trace track turnpike underpass union valley viaduct villa villas village ville
vista wall wells yard
strasse strase gasse weg platz allee ring damm ufer chaussee steig
straat laan plein gracht kade dijk singel baan steeg markt terrasse
gade gate vej vei veg veien vegen gata gatan vagen vag straede alle torg torget grand stig stigen backe backen plads
vaenge vaenget sti
katu tie kuja polku tori raitti vayla rinne kaari
vegur braut straeti
rue avenue chemin allee impasse quai cours passage
calle avenida paseo camino carrera carretera ronda travesia
rua travessa praca largo estrada alameda
via viale piazza corso vicolo strada
ulica ul aleja al plac
ulice namesti trida nabrezi
utca u ut ter koz korut
cesta trg
tanav maantee puiestee tee
sokak sokagi cadde caddesi bulvari
odos leoforos
`);

/** Street types that begin the street's name: "Via Roma 131", "Rue de Virton 38", "ul. Grochowa 80". */
export const leadingStreetTypes = words(`
via viale piazza corso vicolo strada rue avenue av chemin allee impasse quai boulevard bd calle avenida
paseo camino carrera rua travessa praca largo estrada alameda ulica ul aleja al plac odos leoforos
`);

/**
 * Endings of one-word street names in languages that glue the type onto the name: "Vesterskovvej",
 * "Friedhofstrasse", "Rooseveltlaan", "Koskikatu", "Drottninggatan". Matched on the folded word; a word must be
 * longer than the ending and be followed by a house number to count.
 */
export const streetEndings: readonly string[] = [
  'strasse',
  'strase',
  'gasse',
  'weg',
  'platz',
  'allee',
  'ring',
  'damm',
  'ufer',
  'straat',
  'laan',
  'plein',
  'gracht',
  'kade',
  'dijk',
  'singel',
  'steeg',
  'gade',
  'vej',
  'vei',
  'veien',
  'vegen',
  'gata',
  'gatan',
  'vagen',
  'vag',
  'straede',
  'straede',
  'alle',
  'torget',
  'grand',
  'stigen',
  'backen',
  'plads',
  'katu',
  'kuja',
  'polku',
  'tie',
  'tori',
  'raitti',
  'vayla',
  'rinne',
  'kaari',
  'vaenget',
  'vaenge',
  'vegur',
  'braut',
  'straeti',
  'gata',
  'utca',
  'ulica',
  'ulice',
  'cesta',
  'tanav',
  'sokak',
  'sokagi',
  'caddesi',
  'street',
  'road',
  'avenue',
];

/** Street types long enough to mark a street without a house number: "Baker Street", "Sunset Boulevard". */
export const namedStreetTypes = words(`
street road avenue boulevard lane drive terrace crescent parkway highway strasse gasse allee platz
`);

/** Unit words inside an address: "Apt. 117", "Suite 464", "Unit 8524", "Box 0979", "Floor 3". */
export const unitWords = words(`
apt apartment suite ste unit box floor fl room rm bldg building flat lgh dept
`);

/**
 * Capitalised words that are not names of people, organisations or places, and that the common-word list lacks
 * (it has lower-case words only): pronouns and contractions, days, months, languages and nationalities,
 * holidays, everyday abbreviations and internet words.
 */
export const nonNameWords = words(`
i i'm i've i'll i'd im ive ill id don't doesn't didn't can't cannot won't wouldn't shouldn't couldn't isn't
aren't wasn't weren't haven't hasn't hadn't it's that's what's who's where's there's here's let's you're
we're they're he's she's you've we've they've you'll we'll they'll he'll she'll you'd we'd they'd ok okay
hi hey hello bye yeah yes no nope yep thanks thx pls plz hmm oh ah wow lol omg btw fyi asap eta re fw fwd
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
january february march april may june july august september october november december jan feb mar apr jun
jul aug sep sept oct nov dec
english american british french german spanish italian portuguese dutch danish swedish norwegian finnish
icelandic polish czech slovak hungarian greek russian ukrainian turkish arabic hebrew persian chinese
japanese korean vietnamese thai hindi indian african european asian latin nordic scandinavian irish
scottish welsh canadian australian mexican brazilian argentinian chilean swiss austrian belgian
christmas easter halloween thanksgiving ramadan eid hanukkah diwali
god jesus christ allah lord bible koran quran
email e-mail internet website web online wifi wi-fi bluetooth app apps smartphone ios android
atm pin iban ssn ceo cfo cto coo vp hr it pr tv pc usb gps sms faq id ids ip url vat tax dob n/a na tba
bot bots chatbot fax tel cell phone mobile desk
re subject dear regards sincerely cheers best kind
`);

/** First words of multi-word place names: "New Westminster", "Port Elizabeth", "San José", "Den Haag". */
export const placePrefixes = words(`
new port san santa santo sao saint st ste mount mt fort lake den el la le les los las north south east west
upper lower great little old cape glen bad bay isla ile
`);

/** Last words of place names: "Pines Beach", "Mill Village", "Salt Lake City". */
export const placeSuffixes = words(`
city town village beach springs falls heights hills island islands bay harbour harbor valley creek
county province region district borough parish township
`);

/** Words that are never a name, whatever the context: pronouns, determiners, prepositions, conjunctions. */
export const functionWords = words(`
i me my mine myself you your yours yourself he him his himself she her hers herself it its itself we us our
ours ourselves they them their theirs themselves who whom whose which what this that these those a an the
and or but nor so yet if then than of in on at to from by with for about as into onto upon over under
between through during before after above below up down out off again further once here there when where
why how all any both each few more most other some such no not only own same too very just does
did doing is are was were be been being have has had having would should could might must shall
please thanks thank hello hi hey yes ok okay
`);

/**
 * Names of programming languages, operating systems, software and technical standards: capitalised in
 * technical text all the time, never personal data.
 */
export const technicalTerms = words(`
javascript typescript python java kotlin swift rust golang ruby php perl scala haskell elixir erlang
clojure lua julia matlab fortran cobol pascal dart bash powershell sql graphql html css json yaml toml xml
markdown latex regex node nodejs deno bun npm pnpm yarn pip conda react vue angular svelte django flask
rails laravel express nextjs nuxt vite webpack babel eslint prettier jest vitest docker kubernetes helm
terraform ansible linux ubuntu debian fedora centos alpine windows macos unix freebsd android ios
postgres postgresql mysql mariadb sqlite mongodb redis kafka rabbitmq nginx apache tomcat git github
gitlab bitbucket jira confluence jenkins circleci jupyter numpy pandas scipy pytorch tensorflow keras
openai chatgpt gpt llm api apis sdk cli http https tcp udp dns ssh ssl tls oauth jwt utf unicode ascii
excel powerpoint outlook onedrive sharepoint gmail slack zoom figma notion wordpress
aws azure gcp lambda s3 ec2 kubectl grafana prometheus elasticsearch
`);

/** Name particles that may sit between the parts of a name: "Maika van de Noort", "Luis de la Cruz". */
export const nameParticles = words(`
van de der den von da di del della dei degli delle des do dos das du le la les bin ibn al el ten ter zu af
y e av och u z
`);
