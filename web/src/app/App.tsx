import { Fragment, useSyncExternalStore } from 'react';
import { session } from '../api/instance.ts';
import { AuthScreen } from '../auth/AuthScreen.tsx';
import { useSessionEnded } from '../auth/ended.ts';
import { SearchDialog } from '../search/SearchDialog.tsx';
import { Layout } from './Layout.tsx';
import { useRouter } from './router.ts';

// Counts the session's changes of identity (sign-in, another tenant, an accepted invite). Registered before React
// subscribes, so the count is current when React reads it.
let generation = 0;
session.subscribe(() => {
  generation += 1;
});

const subscribe = (listener: () => void) => session.subscribe(listener);
/** -1 while signed out, else which session this is. */
const sessionGeneration = () => (session.signedIn ? generation : -1);

export function App() {
  const current = useSyncExternalStore(subscribe, sessionGeneration);
  const ended = useSessionEnded((state) => state.ended);
  const route = useRouter((state) => state.route);
  if (current < 0) {
    return <AuthScreen expired={ended} inviteToken={route.name === 'invite' ? route.token : undefined} />;
  }
  // Keyed by session: another tenant starts from scratch, with nothing of the previous one's state on screen.
  return (
    <Fragment key={current}>
      <Layout />
      <SearchDialog />
    </Fragment>
  );
}
