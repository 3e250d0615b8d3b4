// Places: countries (English and common native names), regions and states, and the larger cities of the
// world. Written for Fidus from general knowledge; lower case, accents removed (lookups go through `foldWord`).
// Multi-word names are matched word by word (see `placePhrases`). Most small towns are in no list: context
// ("lives in", "moved here from", an address's city line) finds those.

const words = (text: string): string[] => text.split(/\n/).flatMap((line) => line.split(/\s*,\s*/));

const countryText = `
afghanistan, albania, algeria, andorra, angola, antigua and barbuda, argentina, armenia, australia, austria
azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize, benin, bhutan, bolivia
bosnia and herzegovina, bosnia, herzegovina, botswana, brazil, brasil, brunei, bulgaria, burkina faso, burundi
cambodia, cameroon, canada, cape verde, central african republic, chad, chile, china, colombia, comoros, congo
costa rica, croatia, cuba, cyprus, czech republic, czechia, denmark, djibouti, dominica, dominican republic
east timor, ecuador, egypt, el salvador, equatorial guinea, eritrea, estonia, eswatini, ethiopia, fiji, finland
france, gabon, gambia, georgia, germany, deutschland, ghana, greece, grenada, guatemala, guinea, guinea-bissau
guyana, haiti, honduras, hungary, iceland, india, indonesia, iran, iraq, ireland, israel, italy, italia
ivory coast, jamaica, japan, jordan, kazakhstan, kenya, kiribati, kosovo, kuwait, kyrgyzstan, laos, latvia
lebanon, lesotho, liberia, libya, liechtenstein, lithuania, luxembourg, madagascar, malawi, malaysia, maldives
mali, malta, marshall islands, mauritania, mauritius, mexico, micronesia, moldova, monaco, mongolia, montenegro
morocco, mozambique, myanmar, burma, namibia, nauru, nepal, netherlands, holland, new zealand, nicaragua, niger
nigeria, north korea, north macedonia, macedonia, norway, norge, oman, pakistan, palau, palestine, panama
papua new guinea, paraguay, peru, philippines, poland, polska, portugal, qatar, romania, russia
russian federation, rwanda, saint lucia, samoa, san marino, saudi arabia, senegal, serbia, seychelles
sierra leone, singapore, slovakia, slovenia, solomon islands, somalia, south africa, south korea, korea
south sudan, spain, espana, sri lanka, sudan, suriname, sweden, sverige, switzerland, schweiz, suisse, syria
taiwan, tajikistan, tanzania, thailand, togo, tonga, trinidad and tobago, tunisia, turkey, turkiye
turkmenistan, tuvalu, uganda, ukraine, united arab emirates, uae, united kingdom, uk, great britain, britain
england, scotland, wales, northern ireland, united states, united states of america, usa, america, uruguay
uzbekistan, vanuatu, vatican city, venezuela, vietnam, viet nam, yemen, zambia, zimbabwe, greenland
faroe islands, puerto rico, hong kong, macau, gibraltar, bermuda, aruba, curacao, new caledonia
french polynesia, reunion, guadeloupe, martinique, isle of man, jersey, guernsey, aland
`;

const regionText = `
europe, asia, africa, north america, south america, latin america, oceania, antarctica, middle east
scandinavia, nordic countries, the balkans, balkans, caribbean, central america, central asia, east asia
southeast asia, south asia, western europe, eastern europe, central europe, northern europe, southern europe
alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida, hawaii, idaho
illinois, indiana, iowa, kansas, kentucky, louisiana, maine, maryland, massachusetts, michigan, minnesota
mississippi, missouri, montana, nebraska, nevada, new hampshire, new jersey, new mexico, new york
north carolina, north dakota, ohio, oklahoma, oregon, pennsylvania, rhode island, south carolina
south dakota, tennessee, texas, utah, vermont, virginia, washington, west virginia, wisconsin, wyoming
alberta, british columbia, manitoba, new brunswick, newfoundland, nova scotia, ontario, quebec
saskatchewan, yukon, nunavut, new south wales, queensland, victoria, tasmania, western australia
south australia, northern territory, bavaria, bayern, saxony, sachsen, hesse, hessen, brandenburg
tyrol, tirol, lower austria, upper austria, styria, carinthia, catalonia, catalunya, andalusia, galicia
basque country, castile, tuscany, toscana, lombardy, lombardia, sicily, sicilia, sardinia, sardegna
piedmont, veneto, provence, brittany, bretagne, normandy, normandie, alsace, burgundy, flanders
wallonia, lapland, jutland, zealand, sjaelland, siberia, patagonia, kashmir, punjab, bengal, kerala
yorkshire, cornwall, kent, essex, devon, lancashire
`;

const cityText = `
london, paris, berlin, madrid, rome, roma, lisbon, lisboa, dublin, amsterdam, rotterdam, the hague, utrecht
eindhoven, brussels, bruxelles, antwerp, antwerpen, ghent, gent, bruges, liege, luxembourg city, vienna, wien
graz, linz, salzburg, innsbruck, zurich, geneva, geneve, basel, bern, lausanne, lucerne, luzern, lugano
munich, munchen, hamburg, frankfurt, cologne, koln, stuttgart, dusseldorf, dortmund, essen, leipzig
dresden, hanover, hannover, nuremberg, nurnberg, bremen, bonn, heidelberg, freiburg, mannheim, kiel
copenhagen, kobenhavn, aarhus, odense, aalborg, esbjerg, oslo, bergen, trondheim, stavanger, tromso
drammen, kristiansand, stockholm, gothenburg, goteborg, malmo, uppsala, vasteras, orebro, linkoping
helsingborg, lund, umea, helsinki, espoo, tampere, vantaa, turku, oulu, jyvaskyla, lahti, kuopio, pori
reykjavik, akureyri, kopavogur, hafnarfjordur, tallinn, tartu, riga, vilnius, kaunas, warsaw, warszawa
krakow, lodz, wroclaw, poznan, gdansk, szczecin, lublin, katowice, prague, praha, brno, ostrava, plzen
bratislava, kosice, budapest, debrecen, szeged, pecs, gyor, ljubljana, maribor, zagreb, split, rijeka
belgrade, beograd, novi sad, sarajevo, podgorica, skopje, tirana, sofia, plovdiv, varna, bucharest
bucuresti, cluj-napoca, timisoara, iasi, chisinau, kyiv, kiev, kharkiv, odesa, odessa, lviv, dnipro, minsk
moscow, moskva, saint petersburg, st petersburg, novosibirsk, yekaterinburg, kazan, athens, athina
thessaloniki, patras, heraklion, nicosia, lefkosia, limassol, larnaca, paphos, valletta, istanbul, ankara
izmir, antalya, bursa, barcelona, valencia, seville, sevilla, zaragoza, malaga, bilbao, palma, granada
alicante, porto, braga, coimbra, faro, milan, milano, naples, napoli, turin, torino, palermo, genoa, genova
bologna, florence, firenze, venice, venezia, verona, bari, catania, trieste, padua, padova, lyon
marseille, toulouse, nice, nantes, strasbourg, montpellier, bordeaux, lille, rennes, reims, grenoble
manchester, birmingham, liverpool, leeds, sheffield, bristol, newcastle, nottingham, leicester, glasgow
edinburgh, aberdeen, cardiff, swansea, belfast, cork, galway, limerick, oxford, cambridge, brighton
southampton, portsmouth, york, bath, new york city, los angeles, chicago, houston, phoenix, philadelphia
san antonio, san diego, dallas, san jose, austin, jacksonville, san francisco, columbus, fort worth
indianapolis, charlotte, seattle, denver, boston, el paso, nashville, detroit, portland, las vegas
memphis, louisville, baltimore, milwaukee, albuquerque, tucson, fresno, sacramento, atlanta, miami
oakland, minneapolis, tulsa, cleveland, new orleans, honolulu, anchorage, pittsburgh, cincinnati
st louis, kansas city, salt lake city, orlando, tampa, raleigh, richmond, buffalo, toronto, montreal
vancouver, calgary, edmonton, ottawa, winnipeg, quebec city, halifax, victoria, mexico city, guadalajara
monterrey, puebla, tijuana, cancun, havana, san juan, santo domingo, kingston, guatemala city
tegucigalpa, managua, san salvador, panama city, bogota, medellin, cali, cartagena, caracas, maracaibo
quito, guayaquil, lima, cusco, la paz, santa cruz, santiago, valparaiso, buenos aires, cordoba, rosario
mendoza, montevideo, asuncion, sao paulo, rio de janeiro, brasilia, salvador, fortaleza, belo horizonte
manaus, curitiba, recife, porto alegre, belem, goiania, campinas, florianopolis, cairo, alexandria
casablanca, rabat, marrakesh, marrakech, fez, tangier, algiers, oran, tunis, sfax, tripoli, benghazi
khartoum, addis ababa, nairobi, mombasa, kampala, kigali, dar es salaam, dodoma, lagos, abuja, ibadan
kano, accra, kumasi, dakar, abidjan, bamako, ouagadougou, niamey, conakry, freetown, monrovia, lome
cotonou, douala, yaounde, kinshasa, brazzaville, luanda, lusaka, harare, maputo, windhoek, gaborone
johannesburg, cape town, durban, pretoria, port elizabeth, bloemfontein, antananarivo, port louis
dubai, abu dhabi, doha, riyadh, jeddah, mecca, medina, kuwait city, manama, muscat, sanaa, amman, beirut
damascus, aleppo, baghdad, basra, erbil, tehran, mashhad, isfahan, shiraz, tabriz, jerusalem, tel aviv
haifa, kabul, karachi, lahore, islamabad, rawalpindi, faisalabad, delhi, new delhi, mumbai, bombay
kolkata, calcutta, chennai, madras, bangalore, bengaluru, hyderabad, ahmedabad, pune, surat, jaipur
lucknow, kanpur, nagpur, kochi, goa, dhaka, chittagong, kathmandu, colombo, male, thimphu, beijing
shanghai, guangzhou, shenzhen, chengdu, chongqing, tianjin, wuhan, xian, nanjing, hangzhou, suzhou
harbin, shenyang, qingdao, dalian, xiamen, kunming, taipei, kaohsiung, taichung, hong kong, tokyo, osaka
kyoto, yokohama, nagoya, sapporo, kobe, fukuoka, kawasaki, hiroshima, sendai, seoul, busan, incheon
daegu, pyongyang, ulaanbaatar, hanoi, ho chi minh city, saigon, da nang, bangkok, chiang mai, phuket
vientiane, phnom penh, yangon, naypyidaw, kuala lumpur, george town, penang, singapore, jakarta, surabaya
bandung, medan, bali, denpasar, manila, quezon city, cebu, davao, sydney, melbourne, brisbane, perth
adelaide, canberra, hobart, darwin, gold coast, auckland, wellington, christchurch, suva, almaty, astana
tashkent, samarkand, bishkek, dushanbe, ashgabat, baku, tbilisi, yerevan, nuuk, torshavn
`;

/** Countries, regions, states and cities, each folded to lower case without accents. */
export const placeNames: ReadonlySet<string> = new Set(
  [...words(countryText), ...words(regionText), ...words(cityText)].map((w) => w.trim()).filter(Boolean),
);

/** Only the countries (an address's last line, "from X"): a stronger signal than a city name. */
export const countryNames: ReadonlySet<string> = new Set(
  words(countryText)
    .map((w) => w.trim())
    .filter(Boolean),
);

/** The longest place name, in words: how far a multi-word lookup looks ahead. */
export const longestPlaceWords = Math.max(...[...placeNames].map((name) => name.split(' ').length));
