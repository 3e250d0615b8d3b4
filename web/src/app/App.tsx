import { useSyncExternalStore } from 'react';
import { session } from '../api/instance.ts';
import { AuthScreen } from '../auth/AuthScreen.tsx';
import { useSessionEnded } from '../auth/ended.ts';
import { Layout } from './Layout.tsx';

const subscribe = (listener: () => void) => session.subscribe(listener);
const signedIn = () => session.signedIn;

export function App() {
  const isSignedIn = useSyncExternalStore(subscribe, signedIn);
  const ended = useSessionEnded((state) => state.ended);
  return isSignedIn ? <Layout /> : <AuthScreen expired={ended} />;
}
