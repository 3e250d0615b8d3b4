// Given names and surnames common in many countries, written for Fidus from general knowledge (popular-name
// lists of English-, Spanish-, Portuguese-, French-, Italian-, German-, Dutch-, Nordic-, Slavic-, Baltic-,
// Hungarian-, Greek-, Turkish-, Arabic-, Persian-, Hebrew-, Indian-, East-Asian- and African-speaking countries).
// Lower case, accents removed (lookups go through `foldWord`). A lexicon hit is one piece of evidence among
// several: most names in real text are not in any list, so the recognisers also use capitalisation, context
// words and surname endings (../proper-nouns.ts).

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

export const givenNames = words(`
aaron abby abdul abdullah abel abigail abraham ada adam adela adele adeline adrian adriana adrienne agata
agnes agnieszka ahmad ahmed aida aiden aileen aino aisha akira akiko alan alana albert alberta alberto albin
alejandra alejandro aleksander aleksandr aleksandra aleksei alena alessandra alessandro alessia alex alexa
alexander alexandra alexandre alexandru alexei alexis alfie alfred alfredo ali alice alicia alina alisha
alison allan allison alma alois alojz alonso amanda amber amelia amelie amina amir amira amit amos amy ana
anastasia anastasios anders andre andrea andreas andrei andrej andres andrew andrzej andy aneta angel angela
angelica angelika angelo angus anita anja ann anna annabel annalena anne anneke annelise annette annie annika
anselm ansgar anthony antoine anton antonella antonia antonin antonio antti anu anwar april arash archie ari
ariana arianna ariel arjun arlette armando arne arnold arnaud arthur arto arvid asa ashley ashok asif asta
astrid atsushi audrey august augusto aurelia aurelien austin ava axel aya ayako ayesha aylin ayumi aziz
barbara barbora barry bart bartosz basil bastian beata beatrice beatriz beatrix becky ben benedetta benedikt
benjamin benoit bernard bernardo bernd bernhard berit bertil beth bethany betty bianca bilal bill birgit
birgitta bjorn blake blanca bo bogdan bohdan bohumil bonnie boris bozena brad bradley brandon brenda brent
brian bridget brigitte britta brooke bruce bruno bryan burak caleb callum calvin camila camilla camille
candice cara carina carl carla carles carlo carlos carlota carmen carol carole caroline carolyn carsten
caspar cassandra catalina caterina catherine cathy cecilia cecile cedric celia celine cesar chad chantal
charles charlie charlotte chase chen cheng chiara chidi chinedu chioma chloe chris christa christian
christina christine christoph christopher chuck cindy claes claire clara clare claudia claudio claudine
clemens clement cody colin connor conor constance constantin cora corinna cornelia cornelis courtney craig
cristian cristina cristiano cynthia cyril dag dagmar dagny dahlia daisuke daisy dale damian damien dan dana
daniel daniela daniele danielle danny dante daria dario darius darko darren dave david dawid dawn dean
deborah debra declan deepak deirdre denis denise dennis derek desmond devon diana diane diego dieter dilnoza
dimitri dimitrios dina dirk dmitri dmitry dolores dominic dominik dominika dominique donald donna dora doris
dorothea dorothy douglas duncan dusan dylan edgar edith edmund edoardo eduard eduardo edvard edward edwin
eero egon eileen einar eino elaine eleanor elena eleni eli elias elif elin elina elisa elisabet elisabeth
elise eliska eliza elizabeth ella ellen ellie elliot elsa elvira emeka emil emilia emilie emilio emily emma
emmanuel emre enrico enrique enzo erik erika erin ernst esa esko esme esperanza esteban estelle ester esther
ethan etienne eugen eugene eugenia eva evan evangelos eve evelin evelyn ewa ewelina fabian fabio fabrice
farah farid farida fatima fatma federica federico felicia felipe felix fernanda fernando filip filipa filippo
finn fiona flavia florian florence francesca francesco francis francisco franco francois frank franz
franziska fred frederic frederick frederik freya frida friedrich fritz fumiko gabor gabriel gabriela
gabriele gabrielle gareth gary gaspard gavin gemma gentiana georg george georgia georgios gerald gerard
gerd gerhard gerrit gertrud gianluca gianni gillian gina giorgia giorgio giovanna giovanni gisela giulia
giulio giuseppe gizem gloria goran gordon grace graham grant greg gregor gregory greta gudrun guido
guillaume guillermo gunnar gunther gustav gustavo guy gwen hakan hakon hamid hana hande hannah hannes hans
hanna harald hari harold harriet harry harvey haruka haruto hasan hassan hayley heather hector hedda hedwig heidi
heike heinrich heinz helen helena helene helga hellen helmut henning henri henrik henrique henry herbert
hermann hilda hilde hiroshi hiroko hiroyuki holger holly hong hugo hussein ian ibrahim ida ignacio igor
ilaria ilona ilse ilya imogen imran ines inga inge ingrid ingvar inigo ioana ioannis irena irene irina iris
irma isaac isabel isabella isabelle isak isidora ismail israel istvan ivan ivana ivo iwona jacek jack
jackie jackson jacob jacqueline jacques jade jadwiga jaime jakob jakub james jamie jan jana jane janet
janice janina janne janusz jaroslav jaroslaw jason javier jay jayden jean jeanette jeanne jeff jeffrey
jelena jennifer jenny jens jeremy jerome jerzy jesper jesse jessica jesus jill jim jimmy jin jiri jo joan
joana joanna joao joaquim joaquin jochen joe joel johan johann johanna johannes john johnny jon jonas
jonathan jordan jordi jorge jorgen jose josef josefa josefine joseph josephine josh joshua josip joyce juan
juana judit judith judy jukka julia julian juliana julie julien julio julius jun june junichi jurgen justin
justyna jyoti kaarina kai kaija kamal kamil karen kari karin karina karl karla karol karolina kasper kate
katarina katarzyna kate katharina katherine kathleen kathryn kathy katie katja katrin katrina kay kaya
keiko keith kelly ken kenji kenneth kerstin kevin khaled khalid kim kimberly kirsten klaus klara knut koen
koji kostas krisztina kristian kristina kristof kristoffer krzysztof kurt kwame kyle lachlan lara lars laszlo
laura laurent lauren laurens lea leah lee leif leila lena leo leon leona leonardo leonie leopold lesley
leslie levente liam lidia lili lilian liliana lily lina linda lindsay lisa lise liv liza lorena lorenzo
lotta lotte louis louisa louise luana luc luca lucas lucia luciana lucie lucy ludwig luis luisa luka lukas
lukasz luke luna lydia lynn madeleine madison magda magdalena magnus mahmoud maja malgorzata malik mandy
manfred manon manuel manuela marc marcel marcela marcello marcin marco marcos marcus margaret margarida
margarita margit margot marguerite maria mariam marian mariana marianne marie marija mariko marina mario
marion marisa marius marja marjorie mark marko markus marlene marta martha martin martina marton mary
maryam masahiro masako mason massimo mateo mateusz mathias mathilde matilda matteo matthew matthias mattia
matti maureen maurice mauricio mauro max maxim maxime maximilian maya megan mehmet mei melanie melissa
mercedes meryem mette mia michael michaela michal michel michele michelle miguel mihai mika mikael mikhail
miklos mikko milan milena miloslav milos mina minna miriam mirjam miroslav mohamed mohammad mohammed monica
monika morgan moritz muhammad murat nadia nadine nadja nanna naoki naomi natalia natalie natasha nathalie
nathan neil nele nicholas nicola nicolas nicole niels nigel nikhil nikita niklas niko nikola nikolai
nikolaos nikolas nils nina noah noel noemi nora norbert nuno odd ola olaf olga oliver olivia olivier olle
omar oscar oskar otto owen pablo paola paolo pascal pasquale patricia patricio patrick patrik paul paula
paulina pauline pavel pavla pawel pedro peggy pekka per peter petr petra petri philip philipp philippe
phoebe pierre pieter pietro piotr pilar piotr priya quentin rachel radek rafael rafal rahul raimo rainer
raj rajesh ralf ralph ramon ramona randy raphael rashid raul raymond rebecca rebekka regina reinhard
renata renate rene ricardo riccardo richard rick rikard rita robert roberta roberto robin rocco rodrigo
roger roland rolf roman romana ronald rosa rosalie rosario rose rosemary ross roy ruben rudolf rui rune
rupert ruth ryan ryo sabine sabrina sadia sakura salma salvatore sam samantha sami samir samuel sandra
sandro sanjay sara sarah sasha satoshi saul scott sean sebastian sebastiano sergei sergey sergio seth
shane shannon sharon shaun sheila shirley shota shu siddharth sigrid silke silvia simon simona simone
sina siobhan siri sita sofia sofie solveig sonia sonja sophia sophie soren stanislav stefan stefania
stefano steffen stella sten stephan stephanie stephen steve steven stig sture sune susan susana susanne
suzanne svante sven svetlana sylvia sylvie szymon tadeusz takashi takeshi tamara tamas tanja tanya tara
tarik tatiana tatjana ted teresa terry thea theo theodor theresa thierry thomas thor thorsten tiago tim
timo timothy tina tobias todd tom tomas tomasz tommaso tomoko toni tony tor torben tore torsten tove tracy
travis trevor trine tuomas tyler udo ulla ulf ulrich ulrike uma umar ursula uwe vaclav valentin valentina
valeria valerie vanessa vasile vasilis vera veronica veronika victor victoria vijay viktor viktoria
vilhelm vincent vincenzo viola violeta virginia vitor vivian vladimir vladislav walter wanda wayne wei
wendy werner wilhelm will william willem wim wiktoria wojciech wolfgang xavier xin yann yannick yasmin
yasmine yara yiannis yoko yolanda yosef youssef yuki yuko yuri yusuf yves zainab zara zdenek zeynep zofia
zoe zoltan zsofia zsuzsanna
aapo aarne aatu aila aili aimo aino akseli aleksi alina anneli antero arja armas arvo asko atte aune
eetu eila eino elina elli elmeri emmi erkki esa eveliina hannu harri heikki heli helmi henna hilkka ilari
ilkka ilmari irja jaakko jari jarmo jouko juha juhani jussi jyrki kaisa kalevi kalle kari kati kauko
kimmo kirsi kyosti lasse leena liisa maarit marjatta markku marko matias merja mervi minna mirja olavi
onni oskari paavo paivi pasi pauli pentti pertti petteri pirjo raija raili reijo riikka risto ritva
saara sakari sami sanna satu seppo simo sirpa tapani tapio tarja teemu terhi tero timo toni topias
tuija tuomas tuomo tuula tuulikki ulla unto urho vaino valtteri veikko veli venla vesa ville
asbjorn arnfinn bendik bente birger bodil brynjar dorthe eirik eivind elisabet erling espen frode geir
gudmund gunhild gunvor hakon halvard halvor hege helge hilde ingeborg ivar jorunn kjell kjersti knut
kristin lasse leiv lene liv magne marit morten odd oddny oline ragnar ragnhild randi rasmus roald
sigbjorn sigmund sindre sissel solveig stein steinar svein synnove terje thorvald tone torbjorn tord
torunn trond trygve turid vegard vidar aase aksel anker asger bjarke bjarne borge carsten dorte ejnar
esben flemming gorm gitte helle hjalte jette jorgen kirsten kjeld lone mads malene mogens ole poul
preben sanne signe sofus steen susanne svend tage thyra ulrik valdemar vibeke agneta alvar anneli
birgit ebba elof folke gunilla gustaf hjalmar inger ingemar ingrid karl kerstin lennart linnea lovisa
majken malin margareta mats nils ove ronja selma stina sixten tuva viggo vilma yngve
agusta arnar asdis bjarni bryndis einar elin gudrun gunnar hafdis halldor haukur helgi hildur hrafn
ingibjorg jon jona kristjan magnus olafur petur ragnheidur sigridur sigurdur sigurjon solveig steinunn
thora thordur vigdis
`);

/** Surnames frequent in many countries (also evidence when the first word of a pair is not a known given name). */
export const surnames = words(`
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson
anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis
robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall
rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes
stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard
ramos kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez
castillo sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman
butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander hamilton graham
reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina aguilar stevens
murray ford castro marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry
chen freeman webb tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder
mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren mills
meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn
kelley spencer hawkins arnold pierce vazquez hansen peters santos hart bradley knight elliott cunningham
duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston
matthews pena richards contreras willis carpenter lawrence sandoval
muller mueller schneider fischer weber meyer wagner becker schulz hoffmann schafer koch bauer richter klein
wolf schroder neumann schwarz zimmermann braun kruger hofmann hartmann lange schmitt werner krause meier
lehmann schmid schulze maier kohler herrmann konig walter huber kaiser fuchs peters lang scholz moller
weiss jung hahn vogel friedrich keller gunther frank berger winkler roth beck lorenz baumann franke
albrecht schuster simon ludwig bohm winter kraus martin schumacher vogt stein jager otto sommer gross
seidel heinrich brandt haas schreiber graf schulte dietrich ziegler kuhn pohl engel horn busch bergmann
thomas voigt sauer arnold wolff pfeiffer
dubois durand leroy moreau simon laurent lefebvre michel garcia david bertrand roux vincent fournier morel
girard andre lefevre mercier dupont lambert bonnet francois martinez legrand garnier faure rousseau blanc
guerin muller henry roussel nicolas perrin morin mathieu clement gauthier dumont lopez fontaine chevalier
robin masson sanchez gerard nguyen boyer denis lemaire duval joly gautier roger roche roy noel meyer lucas
rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti deluca mancini
costa giordano rizzo lombardi moretti barbieri fontana santoro mariani rinaldi caruso ferrara galli
martini leone longo gentile martinelli vitale lombardo serra coppola desantis dangelo marchetti parisi
villa conte ferraro ferri fabbri bianco marini grasso valentini messina sala deangelis gatti pellegrini
palumbo sanna farina rizzi monti cattaneo morelli amato silvestri mazza testa grassi pellegrino carbone
giuliani benedetti barone rossetti caputo montanari guerra palmieri bernardi martino fiore derosa
ferreira pereira oliveira costa rodrigues martins jesus sousa fernandes goncalves gomes lopes marques
alves almeida ribeiro pinto carvalho teixeira moreira correia mendes nunes soares vieira monteiro cardoso
rocha raposo neves coelho cruz cunha pires ramos reis simoes antunes matos fonseca machado araujo barbosa
tavares lourenco castro figueiredo azevedo freitas santos souza lima
jansen janssen devries vandenberg vandijk bakker visser smit meijer deboer mulder degroot bos vos
peters hendriks vanleeuwen dekker brouwer dewit dijkstra smits degraaf vanderlinden kok jacobs dehaan
vermeulen vandenbosch heeren wouters maes peeters claes goossens willems mertens dubois lambert
jensen nielsen hansen pedersen andersen christensen larsen sorensen rasmussen jorgensen petersen madsen
kristensen olsen thomsen christiansen poulsen johansen moller mortensen johannessen karlsen olsen
andersson johansson karlsson nilsson eriksson larsson olsson persson svensson gustafsson pettersson
jonsson jansson hansson bengtsson lindberg lindstrom lindqvist lindgren berg axelsson bergstrom lundberg
lundgren lundqvist mattsson berglund fredriksson sandberg henriksson forsberg sjoberg wallin engstrom
eklund danielsson lundin hakansson bjork bergman gunnarsson holm wikstrom samuelsson isaksson fransson
bergqvist nystrom holmberg arvidsson lofgren soderberg nyberg blomqvist claesson nordstrom
korhonen virtanen makinen nieminen makela hamalainen laine heikkinen koskinen jarvinen lehtonen
lehtinen saarinen salminen heinonen niemi heikkila kinnunen salonen turunen salo laitinen tuominen
rantanen karjalainen jokinen mattila savolainen lahtinen ahonen hamalainen
nowak kowalski kowalska wisniewski wisniewska wojcik kowalczyk kaminski kaminska lewandowski
lewandowska zielinski szymanski wozniak dabrowski kozlowski jankowski mazur wojciechowski kwiatkowski
krawczyk kaczmarek piotrowski grabowski zajac pawlowski michalski krol wieczorek jablonski wrobel
nowakowski majewski olszewski stepien malinowski jaworski adamczyk dudek nowicki pawlak gorski witkowski
novak novakova svoboda svobodova novotny novotna dvorak dvorakova cerny cerna prochazka prochazkova
kucera kucerova vesely vesela horak horakova nemec nemcova pokorny marek pospisil hajek kral jelinek
ruzicka benes fiala sedlacek dolezal zeman kolar navratil cermak urban vanek blazek kriz kovar bartos
nagy kovacs toth szabo horvath varga kiss molnar nemeth farkas balogh papp takacs juhasz lakatos meszaros
olah simon racz fekete szilagyi torok feher balazs gal kis szucs kocsis orsos pinter fodor szalai sipos
magyar lukacs gulyas biro kiraly balog laszlo bogdan katona sandor boros fazekas
horvat kovacic babic maric juric novak kovac vukovic knezevic markovic petrovic matic tomic pavlovic
bozic blazevic grgic pavic radic peric jovanovic nikolic ilic djordjevic stojanovic popovic zivkovic
kovacevic lukic stankovic simic milosevic todorovic mladenovic
ivanov smirnov kuznetsov popov vasiliev petrov sokolov mikhailov novikov fedorov morozov volkov alekseev
lebedev semenov egorov pavlov kozlov stepanov nikolaev orlov andreev makarov nikitin zakharov zaitsev
solovyov borisov yakovlev grigoriev romanov vorobyov sergeev kuzmin frolov alexandrov dmitriev korolev
gusev kiselev ilyin maksimov polyakov sorokin vinogradov kovalev belov medvedev antonov tarasov zhukov
baranov filippov komarov davydov belyaev gerasimov bogdanov osipov sidorov matveev titov marchenko
shevchenko kovalenko bondarenko tkachenko kravchenko oliynyk boyko melnyk lysenko
papadopoulos papadakis georgiou dimitriou nikolaou ioannou konstantinou christodoulou pappas vlachos
papageorgiou antoniou athanasiou makris michailidis oikonomou
yilmaz kaya demir sahin celik yildiz yildirim ozturk aydin ozdemir arslan dogan kilic aslan cetin kara
koc kurt ozkan simsek polat erdogan
popescu ionescu popa pop radu dumitru stan stoica gheorghe matei ciobanu constantin serban rusu dinu
ivanova georgiev dimitrov petrova nikolov
cohen levi mizrahi peretz biton dahan avraham friedman katz
hosseini mohammadi rezaei ahmadi karimi moradi jafari rahimi
singh kumar sharma gupta patel shah mehta joshi reddy rao iyer nair menon das bose chatterjee banerjee
mukherjee ghosh sen verma mishra pandey yadav agarwal malhotra kapoor khanna chopra bhatia desai
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo zheng liang xie tang han
feng deng cao peng zeng xiao tian dong yuan pan cai jiang yu du ye cheng wei su lu ding ren shen yao
sato suzuki takahashi tanaka watanabe ito yamamoto nakamura kobayashi kato yoshida yamada sasaki
yamaguchi matsumoto inoue kimura hayashi shimizu yamazaki mori abe ikeda hashimoto yamashita ishikawa
nakajima maeda fujita ogawa goto okada hasegawa murakami kondo ishii saito sakamoto endo aoki fujii
nishimura fukuda ota miura fujiwara okamoto matsuda nakagawa
kim lee park choi jung kang cho yoon jang lim han oh seo shin kwon hwang ahn song yoo hong jeon ko moon
nguyen tran le pham hoang phan vu vo dang bui do ho ngo duong ly
okafor okonkwo adeyemi adebayo okeke mensah boateng owusu asante mwangi kamau otieno ochieng njoroge
mohamed ahmed hassan hussein ali ibrahim mahmoud abdullah khalil haddad nasser saleh mansour
gunnarsson jonsdottir sigurdsson sigurdardottir gudmundsson gudmundsdottir magnusson olafsson
kristjansson einarsson stefansson
`);

/** Honorifics that come right before a person's name ("Mr", "Dr.", "Frau"): strong evidence of a person. */
export const honorifics = words(`
mr mrs ms miss mx dr prof professor sir dame madam madame mme mlle mademoiselle monsieur herr frau fru
sr sra srta senor senora senorita signor signora sig rev reverend
`);
